using System.CommandLine;
using Fastband.Core;

namespace Fastband.Cli;

/// <summary>Options every command takes, and the one place that opens the project and turns failures into exit codes.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Project = new("--project")
    {
        Description = "The project folder (default: FASTBAND_PROJECT, else the nearest folder up holding .fastband/, else the current folder).",
        Recursive = true,
    };

    public static readonly Option<string?> Agent = new("--agent")
    {
        Description = "Your agent name (default: FASTBAND_AGENT, else AGENT_ID).",
        Recursive = true,
    };

    public static readonly Option<string?> Session = new("--session")
    {
        Description = "Tells two sessions of one agent apart as lock owners (default: FASTBAND_SESSION).",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write results as JSON (camelCase, the same property names as the PowerShell objects).",
        Recursive = true,
    };
}

/// <summary>
/// What a command produced: the object for --json and the type its serialization code is looked up by (the static
/// type at the command, so a list is written as the list its method returns), the text otherwise, and the exit code.
/// </summary>
internal sealed class Outcome
{
    private Outcome(object? value, Type? type, string text, int exitCode) => (Value, Type, Text, ExitCode) = (value, type, text, exitCode);

    public object? Value { get; }
    public Type? Type { get; }
    public string Text { get; }
    public int ExitCode { get; }

    public static Outcome Of<T>(T value, string text, int exitCode = ExitCodes.Ok) => new(value, typeof(T), text, exitCode);

    /// <summary>Text only: --json writes nothing.</summary>
    public static Outcome None(string text, int exitCode = ExitCodes.Ok) => new(null, null, text, exitCode);
}

internal static class Run
{
    /// <summary>Says on stderr that a default limit left <paramref name="more"/> items out (nothing when none were): a limit never truncates silently.</summary>
    public static void NoteMore(long more, string noun, string how)
    {
        if (more <= 0) return;
        string plural = noun.EndsWith("y", StringComparison.Ordinal) && !noun.EndsWith("ey", StringComparison.Ordinal) ? noun[..^1] + "ies" : noun + "s";
        Console.Error.WriteLine($"fastband: {more} more {(more == 1 ? noun : plural)} not shown: {how}.");
    }

    /// <summary>Opens the project, runs <paramref name="body"/>, writes its outcome, maps failures to exit codes.</summary>
    /// <remarks><c>offline</c>: the command has an offline path, so the project opens even when its PostgreSQL server is away.</remarks>
    public static int With(ParseResult parse, Func<FastbandProject, Outcome> body, bool writes = false, bool offline = false) => Guarded(parse, () =>
    {
        using var project = Open(parse, writes, offline);
        return body(project);
    });

    /// <summary>The same for the backup commands, which need the project's files but not its store.</summary>
    public static int WithBackups(ParseResult parse, Func<Fastband.Core.Backup.BackupService, Outcome> body, bool writes = false) => Guarded(parse, () =>
    {
        var backups = FastbandProject.OpenBackups(Options(parse, offline: false));
        if (writes) WarnIfUnnamed(backups.Caller);
        return body(backups);
    });

    /// <summary>For a reading command that opens the project through Core itself (health: a damaged store is a finding, not a failure).</summary>
    public static int WithOptions(ParseResult parse, Func<ProjectOptions, Outcome> body) => Guarded(parse, () => body(Options(parse, offline: false, existingStoreOnly: true)));

    private static int Guarded(ParseResult parse, Func<Outcome> run)
    {
        try
        {
            var outcome = run();
            PhaseTrace.Mark("result");
            Write(parse, outcome);
            PhaseTrace.Mark("written");
            return outcome.ExitCode;
        }
        catch (FastbandException e)
        {
            Console.Error.WriteLine($"fastband: {e.Message}");
            return Failed(parse, ErrorReport.From(e));
        }
        catch (Exception e)
        {
            int code = Unexpected(e);
            return Failed(parse, new ErrorReport(new ErrorDetail("Unexpected", UnexpectedDetail(e)), code));
        }
    }

    /// <summary>Anything Core did not classify (I/O, a database error): one line, exit 1, no stack trace.</summary>
    private static int Unexpected(Exception e)
    {
        Console.Error.WriteLine($"fastband: {UnexpectedDetail(e)}");
        return ExitCodes.Failed;
    }

    private static string UnexpectedDetail(Exception e) =>
        (e is IOException or UnauthorizedAccessException ? e.Message : $"{e.GetType().Name}: {e.Message}").ReplaceLineEndings(" ");

    /// <summary>Under --json a failure is a document on stdout too (the sentence stays on stderr); returns its exit code.</summary>
    public static int Failed(ParseResult parse, ErrorReport report)
    {
        if (Json(parse)) Console.Out.WriteLine(FastbandJson.Serialize(report));
        return report.ExitCode;
    }

    /// <summary>
    /// Opens the project. A command that only reads needs a store that exists: in a folder without one it fails
    /// (NoStore, exit 4) instead of answering from an empty store made up on the spot.
    /// </summary>
    public static FastbandProject Open(ParseResult parse, bool writes, bool offline = false)
    {
        var project = FastbandProject.Open(Options(parse, offline, existingStoreOnly: !writes));
        Opened(project, writes);
        return project;
    }

    /// <summary>
    /// The warnings for a project just opened: a writer that gave no agent name, or a read that found an empty
    /// PostgreSQL schema (its tables were just created: the store section names it, so it is not refused, but a
    /// mistyped schema would answer "nothing").
    /// </summary>
    public static void Opened(FastbandProject project, bool writes)
    {
        if (writes) WarnIfUnnamed(project.Caller);
        if (!writes && project.CreatedStore)
            Console.Error.WriteLine($"fastband: warning: {project.NewStoreWarning}");
    }

    private static void WarnIfUnnamed(CallerIdentity caller)
    {
        if (caller.IsDefaulted)
            Console.Error.WriteLine($"fastband: warning: no agent name given, writing as '{CallerIdentity.UnknownAgent}': pass --agent or set FASTBAND_AGENT.");
    }

    public static ProjectOptions Options(ParseResult parse, bool offline, bool existingStoreOnly = false) => new()
    {
        ProjectPath = parse.GetValue(GlobalOptions.Project),
        Agent = parse.GetValue(GlobalOptions.Agent),
        Session = parse.GetValue(GlobalOptions.Session),
        StoreMayBeOffline = offline,
        ExistingStoreOnly = existingStoreOnly,
    };

    public static bool Json(ParseResult parse) => parse.GetValue(GlobalOptions.Json);

    private static void Write(ParseResult parse, Outcome outcome)
    {
        if (Json(parse))
        {
            if (outcome.Value is not null && outcome.Type is not null) Console.Out.WriteLine(FastbandJson.Serialize(outcome.Value, FastbandJson.Options.GetTypeInfo(outcome.Type)));
        }
        else if (outcome.Text.Length > 0)
        {
            Console.Out.WriteLine(outcome.Text);
        }
    }
}
