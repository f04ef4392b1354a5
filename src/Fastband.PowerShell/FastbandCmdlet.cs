using System.Management.Automation;
using Fastband.Core;

namespace Fastband.PowerShell;

/// <summary>
/// What every Fastband cmdlet needs: the project (from -Project, FASTBAND_PROJECT, the nearest .fastband/
/// above $PWD, or $PWD), opened once per pipeline and closed at its end, and one table that turns Core's
/// failures into ErrorRecords. Derived cmdlets only map parameters onto a Core call and write the result.
/// </summary>
public abstract class FastbandCmdlet : PSCmdlet, IDisposable
{
    private FastbandProject? _project;
    private readonly CancellationTokenSource _stopping = new();
    private readonly System.Diagnostics.Stopwatch _elapsed = new();

    /// <summary>The project folder. Default: FASTBAND_PROJECT, else the nearest folder up from $PWD holding .fastband/, else $PWD.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Project { get; set; }

    /// <summary>The caller's agent name; null where the cmdlet does not act as an agent.</summary>
    protected virtual string? CallerAgent => null;

    /// <summary>The caller's session where the cmdlet takes -Session; null: FASTBAND_SESSION.</summary>
    protected virtual string? CallerSession => null;

    /// <summary>Cmdlets that write under the caller's name warn when no agent name was given.</summary>
    protected virtual bool WritesAsAgent => false;

    /// <summary>True for cmdlets with an offline path (Write-FastbandEvent queues): the project opens even when its PostgreSQL server is away.</summary>
    protected virtual bool StoreMayBeOffline => false;

    /// <summary>
    /// True for the cmdlets that only read (the verbs Get, Test, Export, Wait, Find, Search): they never create a
    /// store, and in a folder without one they fail with Fastband.NoStore instead of answering from an empty one.
    /// </summary>
    protected virtual bool ReadsOnly =>
        GetType().GetCustomAttributes(typeof(CmdletAttribute), false) is [CmdletAttribute { VerbName: "Get" or "Test" or "Export" or "Wait" or "Find" or "Search" }];

    /// <summary>Cancelled when the user presses Ctrl+C (StopProcessing).</summary>
    protected CancellationToken StopToken => _stopping.Token;

    /// <summary>How to open the project from this session: -Project resolved through PowerShell, $PWD, -Agent.</summary>
    protected ProjectOptions SessionOptions()
    {
        string cwd = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        string? project = Project is null ? null : GetUnresolvedProviderPathFromPSPath(Project);
        return new ProjectOptions
        {
            ProjectPath = project, Agent = CallerAgent, CurrentDirectory = cwd, Session = CallerSession, StoreMayBeOffline = StoreMayBeOffline,
            ExistingStoreOnly = ReadsOnly,
        };
    }

    protected FastbandProject OpenProject()
    {
        if (_project is not null) return _project;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        _project = FastbandProject.Open(SessionOptions());
        WriteVerbose($"Project {_project.Root}; store {_project.Store.Location} (opened in {watch.ElapsedMilliseconds} ms{(_project.CreatedStore ? ", created just now" : "")}); acting as {_project.Caller.Agent}.");
        Opened(_project);
        return _project;
    }

    /// <summary>The warnings for a project just opened (by <see cref="OpenProject"/> or by a Core call that opens it itself).</summary>
    private protected void Opened(FastbandProject project)
    {
        if (WritesAsAgent && project.Caller.IsDefaulted)
            WriteWarning($"No agent name given, acting as '{CallerIdentity.UnknownAgent}': pass -Agent or set $env:FASTBAND_AGENT.");
        if (!WritesAsAgent && project.CreatedStore)
            WriteWarning(project.NewStoreWarning);
    }

    protected override void BeginProcessing() => _elapsed.Start();

    protected sealed override void ProcessRecord() => Guarded(Run);

    /// <summary>Runs a step of the cmdlet, turning Core's failures into ErrorRecords.</summary>
    private void Guarded(Action step)
    {
        try
        {
            step();
        }
        catch (FastbandException e)
        {
            WriteError(ToErrorRecord(e, e.ErrorId, e.Kind));
        }
        catch (Exception e) when (e is not PipelineStoppedException and not RuntimeException and not FlowControlException)
        {
            // (RuntimeException: an error from the user's own script block passes through as it is.
            // FlowControlException: Select-Object -First stops upstream cmdlets by throwing one out of WriteObject.)
            // Anything Core did not classify (I/O, a database error) still gets a Fastband error id.
            WriteError(ToErrorRecord(e, e is IOException or UnauthorizedAccessException ? "IOFailed" : "Unexpected", FailureKind.Failed));
        }
    }

    /// <summary>One pipeline record's work: by default, open the project and call <see cref="Process(FastbandProject)"/>.</summary>
    private protected virtual void Run() => Process(OpenProject());

    /// <summary>The cmdlet's work for one pipeline record.</summary>
    protected abstract void Process(FastbandProject project);

    protected override void EndProcessing()
    {
        try
        {
            Guarded(EndWork);
        }
        finally
        {
            Close();
        }
        WriteVerbose($"{MyInvocation.MyCommand.Name} took {_elapsed.ElapsedMilliseconds} ms.");
    }

    /// <summary>Work left for the end of the pipeline (a cmdlet that collects its input acts here), before the project closes.</summary>
    private protected virtual void EndWork() { }

    protected override void StopProcessing() => _stopping.Cancel();

    public void Dispose()
    {
        Close();
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Close()
    {
        _project?.Dispose();
        _project = null;
    }

    /// <summary>
    /// What an error is about, for <see cref="ErrorRecord.TargetObject"/>: the value of the cmdlet's first
    /// positional parameter when it was given (the path, the id, the agent), else the project folder.
    /// </summary>
    protected virtual object? ErrorTarget
    {
        get
        {
            foreach (var property in GetType().GetProperties())
            {
                foreach (ParameterAttribute attribute in property.GetCustomAttributes(typeof(ParameterAttribute), true))
                {
                    if (attribute.Position == 0 && MyInvocation.BoundParameters.TryGetValue(property.Name, out var value) && value is not null)
                        return value;
                }
            }
            return _project?.Root ?? Project;
        }
    }

    /// <summary>The one mapping from Core's failure kinds to PowerShell error categories.</summary>
    internal static ErrorCategory CategoryFor(FailureKind kind) => kind switch
    {
        FailureKind.InvalidInput => ErrorCategory.InvalidArgument,
        FailureKind.Blocked => ErrorCategory.ResourceBusy,
        FailureKind.NotFound => ErrorCategory.ObjectNotFound,
        _ => ErrorCategory.NotSpecified,
    };

    private protected ErrorRecord ToErrorRecord(Exception e, string errorId, FailureKind kind) =>
        new(e, "Fastband." + errorId, CategoryFor(kind), ErrorTarget);
}

/// <summary>An agent cmdlet that also takes -Session: the session written into commit trailers and recorded with checkpoints.</summary>
public abstract class FastbandSessionCmdlet : FastbandAgentCmdlet
{
    /// <summary>Your session id. Default: $env:FASTBAND_SESSION.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Session { get; set; }

    protected override string? CallerSession => Session;
}

/// <summary>A cmdlet that acts as an agent: it takes -Agent (else FASTBAND_AGENT, else AGENT_ID).</summary>
public abstract class FastbandAgentCmdlet : FastbandCmdlet
{
    /// <summary>Your agent name. Default: $env:FASTBAND_AGENT, else $env:AGENT_ID.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Agent { get; set; }

    protected override string? CallerAgent => Agent;

    protected override bool WritesAsAgent => true;
}

/// <summary>
/// A backup cmdlet: it opens the backup manager alone, never the store, so a backup command neither waits for
/// the store nor creates one (Get-FastbandBackup in a fresh folder leaves it as it was).
/// </summary>
public abstract class FastbandBackupCmdlet : FastbandAgentCmdlet
{
    private protected sealed override void Run()
    {
        var options = SessionOptions();
        var backups = FastbandProject.OpenBackups(options);
        WriteVerbose($"Project {backups.Root}; backups in {backups.BackupsDirectory} (the store is not opened).");
        if (WritesBackups && backups.Caller.IsDefaulted)
            WriteWarning($"No agent name given, acting as '{CallerIdentity.UnknownAgent}': pass -Agent or set $env:FASTBAND_AGENT.");
        Process(backups);
    }

    /// <summary>False for the cmdlets that only read backups: they do not warn about a missing agent name.</summary>
    protected virtual bool WritesBackups => true;

    protected sealed override void Process(FastbandProject project) => Process(project.Backups);

    /// <summary>The cmdlet's work for one pipeline record.</summary>
    protected abstract void Process(Fastband.Core.Backup.BackupService backups);

    /// <summary>Says in -Verbose why a backup was skipped, or what it made.</summary>
    private protected void Report(Fastband.Core.Backup.BackupResult result) =>
        WriteVerbose(result.Skipped ? $"Skipped: {result.Reason}." : $"Created {result.BackupId} in {result.Elapsed.TotalSeconds:0.00} s.");
}
