using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Commits your work as '[agent] task: description' with Agent:, Task: and Session: trailers: the files given,
/// or every change. Nothing to commit is a result (Committed = $false), not an error.
/// </summary>
[Cmdlet(VerbsData.Save, "FastbandWork", SupportsShouldProcess = true)]
[OutputType(typeof(GitCommitResult))]
public sealed class SaveFastbandWorkCommand : FastbandSessionCmdlet
{
    /// <summary>The task id, e.g. T037.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Task { get; set; } = "";

    /// <summary>What was done, one line.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [Alias("Message")]
    [ValidateNotNullOrEmpty]
    public string Description { get; set; } = "";

    /// <summary>The files to commit, relative to the project folder (default: every change).</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Files")]
    public string[]? Path { get; set; }

    private readonly List<string> _files = new();

    protected override void Process(FastbandProject project)
    {
        if (Path is not null) _files.AddRange(Path);
    }

    protected override void EndProcessing()
    {
        try
        {
            var project = OpenProject();
            string what = _files.Count == 0 ? "every change" : string.Join(", ", _files);
            if (ShouldProcess(what, $"Commit as {project.Caller.Agent} ({Task}: {Description})"))
                WriteObject(project.Git.Commit(new GitCommitRequest { Task = Task, Description = Description, Files = _files.Count == 0 ? null : _files.ToArray() }));
        }
        catch (FastbandException e)
        {
            WriteError(new ErrorRecord(e, "Fastband." + e.ErrorId, CategoryFor(e.Kind), null));
        }
        finally
        {
            base.EndProcessing();
        }
    }
}
