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

    /// <summary>Cancelled when the user presses Ctrl+C (StopProcessing).</summary>
    protected CancellationToken StopToken => _stopping.Token;

    /// <summary>How to open the project from this session: -Project resolved through PowerShell, $PWD, -Agent.</summary>
    protected ProjectOptions SessionOptions()
    {
        string cwd = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        string? project = Project is null ? null : GetUnresolvedProviderPathFromPSPath(Project);
        return new ProjectOptions { ProjectPath = project, Agent = CallerAgent, CurrentDirectory = cwd, Session = CallerSession, StoreMayBeOffline = StoreMayBeOffline };
    }

    protected FastbandProject OpenProject()
    {
        if (_project is not null) return _project;
        _project = FastbandProject.Open(SessionOptions());
        if (WritesAsAgent && _project.Caller.IsDefaulted)
            WriteWarning($"No agent name given, acting as '{CallerIdentity.UnknownAgent}': pass -Agent or set $env:FASTBAND_AGENT.");
        if (!WritesAsAgent && _project.CreatedStore)
            WriteWarning(_project.NewStoreWarning);
        return _project;
    }

    protected sealed override void ProcessRecord()
    {
        try
        {
            Process(OpenProject());
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

    /// <summary>The cmdlet's work for one pipeline record.</summary>
    protected abstract void Process(FastbandProject project);

    protected override void EndProcessing() => Close();

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

    /// <summary>The one mapping from Core's failure kinds to PowerShell error categories.</summary>
    internal static ErrorCategory CategoryFor(FailureKind kind) => kind switch
    {
        FailureKind.InvalidInput => ErrorCategory.InvalidArgument,
        FailureKind.Blocked => ErrorCategory.ResourceBusy,
        FailureKind.NotFound => ErrorCategory.ObjectNotFound,
        _ => ErrorCategory.NotSpecified,
    };

    private static ErrorRecord ToErrorRecord(Exception e, string errorId, FailureKind kind) =>
        new(e, "Fastband." + errorId, CategoryFor(kind), null);
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
