using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Setup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Makes a folder a Fastband project: config files with every default, the store, and optionally the backup schedule and agent wiring.</summary>
/// <remarks>
/// <para>Creates .fastband/ with a commented config.yaml and backup_config.yaml that hold every setting at its default,
/// and creates the store. Each file it writes starts with a 'written by fastband init' line. Safe to run again: a
/// second run changes nothing and says so for each item (created, unchanged, kept, rewritten, added). A file that
/// differs from what it would write is kept; -Force rewrites it only while it still starts with that line.</para>
/// <para>-Schedule installs the backup schedule for this machine (a crontab line, a systemd user timer, or on
/// Windows a scheduled task registered with Register-ScheduledTask) that runs 'fastband backup run-scheduled' every
/// hour. -Wire claude,codex writes Fastband's MCP server (and, for Claude Code, the pre-tool-use hook) into the
/// agent's project config, merged with what is there, acting as -Agent. Both run the fastband command: -Launcher,
/// else $env:FASTBAND_LAUNCHER, else fastband on PATH.</para>
/// <para>-WhatIf returns what would be written (each item's Content) and writes nothing. Returns one InitResult,
/// the same object as 'fastband init --json'.</para>
/// </remarks>
/// <example>
/// <code>
/// Initialize-FastbandProject
/// </code>
/// <para>Makes the current folder a Fastband project.</para>
/// </example>
/// <example>
/// <code>
/// Initialize-FastbandProject -Project ~/src/app -Wire claude -Agent alice -Schedule cron -Launcher ~/src/fastband/fastband
/// </code>
/// <para>Initializes ~/src/app, wires Claude Code as alice and installs an hourly crontab line for the backups.</para>
/// </example>
/// <example>
/// <code>
/// (Initialize-FastbandProject -Wire codex -Agent bob -WhatIf).Items | Format-List Path, Action, Content
/// </code>
/// <para>Shows exactly what would be written for Codex, and writes nothing.</para>
/// </example>
[Cmdlet(VerbsData.Initialize, "FastbandProject", SupportsShouldProcess = true)]
[OutputType(typeof(InitResult))]
public sealed class InitializeFastbandProjectCommand : FastbandAgentCmdlet
{
    /// <summary>Rewrite what init wrote before (files that still start with its marker line, its own entries) where they differ.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Install the backup schedule on this machine: none (default), cron, systemd or windows.</summary>
    [Parameter]
    [ValidateSet("none", "cron", "systemd", "windows", IgnoreCase = true)]
    public string? Schedule { get; set; }

    /// <summary>The agents to wire to Fastband's MCP server and hook: claude, codex. They act as -Agent (else $env:FASTBAND_AGENT).</summary>
    [Parameter]
    [ValidateSet("claude", "codex", IgnoreCase = true)]
    public string[]? Wire { get; set; }

    /// <summary>The fastband command the schedule and the agent configs run. Default: $env:FASTBAND_LAUNCHER, else fastband on PATH.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Launcher { get; set; }

    private protected override void Run()
    {
        var options = SessionOptions();
        bool dryRun = !ShouldProcess(options.ProjectPath ?? options.CurrentDirectory, "Initialize the Fastband project");
        var launcher = Launcher is not null
            ? Fastband.Core.Setup.Launcher.FromPath(GetUnresolvedProviderPathFromPSPath(Launcher), "-Launcher")
            : Fastband.Core.Setup.Launcher.FromEnvironmentOrPath();
        var result = ProjectInitializer.Init(new InitOptions
        {
            ProjectPath = options.ProjectPath, CurrentDirectory = options.CurrentDirectory, Agent = Agent, Force = Force,
            DryRun = dryRun, Schedule = Schedule, Wire = Wire, Launcher = launcher,
        });
        foreach (var item in result.Items) WriteVerbose(item.ToString());
        WriteObject(result);
    }

    protected override void Process(FastbandProject project) => throw new InvalidOperationException("unused: Run opens nothing");
}
