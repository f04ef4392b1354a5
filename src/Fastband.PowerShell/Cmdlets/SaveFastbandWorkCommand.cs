using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Commits your work with attribution.</summary>
/// <remarks>
/// <para>Commits the files given, or every change, as '[agent] task: description' with Agent:, Task: and (when a
/// session is given) Session: trailers. The agent is the author (&lt;agent&gt;@agents.fastband.invalid); the committer
/// stays the repository's own. Only the files given are committed, so agents committing at once in one repository each
/// commit only their own files: Fastband's git writers take turns on .git/fastband.lock and retry another program's
/// index.lock.</para>
/// <para>Nothing to commit is a result (Committed = $false, with the reason), not an error. Files can be piped in
/// (paths, or objects with a Path or Files property); they are committed together once the pipeline ends.</para>
/// </remarks>
/// <example>
/// <code>
/// Save-FastbandWork -Task T037 -Description 'Git coordinator' -Agent James -Session james-1
/// </code>
/// <para>Commits every change as '[James] T037: Git coordinator' with the Agent, Task and Session trailers.</para>
/// </example>
/// <example>
/// <code>
/// Save-FastbandWork T037 'Fix the parser' -Path src/a.py, src/b.py
/// </code>
/// <para>Commits only two files, as the agent in $env:FASTBAND_AGENT.</para>
/// </example>
/// <example>
/// <code>
/// git diff --name-only | Save-FastbandWork -Task T040 -Description 'Tidy imports'
/// </code>
/// <para>Commits the changed tracked files that git lists.</para>
/// </example>
[Cmdlet(VerbsData.Save, "FastbandWork", SupportsShouldProcess = true)]
[OutputType(typeof(GitCommitResult))]
public sealed class SaveFastbandWorkCommand : FastbandSessionCmdlet
{
    /// <summary>The task id, e.g. T037.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Task { get; set; } = "";

    /// <summary>What was done, in one line.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [Alias("Message")]
    [ValidateNotNullOrEmpty]
    public string Description { get; set; } = "";

    /// <summary>The files to commit, relative to the project folder. Default: every change. They can come from the
    /// pipeline.</summary>
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
