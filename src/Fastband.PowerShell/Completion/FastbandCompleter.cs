using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Completion;

/// <summary>One value a completer offers, and what the list shows beside it.</summary>
public sealed record CompletionCandidate(string Value, string? ToolTip = null);

/// <summary>
/// What every Fastband completer shares: the project opened the way the cmdlet would open it (a -Project
/// already typed, else FASTBAND_PROJECT, else the nearest .fastband/ above $PWD) but only when it already
/// exists, the typed prefix matched case-insensitively, values quoted for the command line, and no failure
/// ever reaching the user: a completer that throws breaks the Tab key.
/// </summary>
public abstract class FastbandCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var word = TypedWord.Parse(wordToComplete);
            var context = new CompletionContext(fakeBoundParameters);
            return Candidates(context)
                .Where(c => !string.IsNullOrEmpty(c.Value) && c.Value.StartsWith(word.Prefix, StringComparison.OrdinalIgnoreCase))
                .GroupBy(c => c.Value, StringComparer.OrdinalIgnoreCase).Select(g => g.First())
                .Select(c => new CompletionResult(word.Quote(c.Value), c.Value, CompletionResultType.ParameterValue,
                    string.IsNullOrWhiteSpace(c.ToolTip) ? c.Value : c.ToolTip))
                .ToList();
        }
        catch (Exception)
        {
            return Array.Empty<CompletionResult>();
        }
    }

    /// <summary>Every value worth offering, best first; the base filters them by the typed prefix.</summary>
    protected abstract IEnumerable<CompletionCandidate> Candidates(CompletionContext context);

    /// <summary>Reads from the project's store when the store exists; nothing otherwise (a completer never creates one).</summary>
    protected static IEnumerable<CompletionCandidate> FromStore(CompletionContext context, Func<FastbandProject, IEnumerable<CompletionCandidate>> read)
    {
        using var project = ExistingProject.OpenStore(context.Options);
        return project is null ? Array.Empty<CompletionCandidate>() : read(project).ToList();
    }

    /// <summary>Reads the project's backups when the project exists (backups need no store).</summary>
    protected static IEnumerable<CompletionCandidate> FromBackups(CompletionContext context, Func<BackupService, IEnumerable<CompletionCandidate>> read)
    {
        var backups = ExistingProject.OpenBackups(context.Options);
        return backups is null ? Array.Empty<CompletionCandidate>() : read(backups).ToList();
    }
}

/// <summary>The command line as typed so far: the parameters already bound, and the session's $PWD.</summary>
public sealed class CompletionContext
{
    private readonly IDictionary _bound;

    internal CompletionContext(IDictionary fakeBoundParameters)
    {
        _bound = fakeBoundParameters;
        Options = SessionOptions();
    }

    /// <summary>The project options a cmdlet of this session would build (see FastbandCmdlet.SessionOptions).</summary>
    public ProjectOptions Options { get; }

    /// <summary>A parameter already typed on the command line, as text (the first, for a list); null when it is not there.</summary>
    public string? Bound(string name)
    {
        if (!_bound.Contains(name)) return null;
        object? value = _bound[name];
        if (value is PSObject wrapped) value = wrapped.BaseObject;
        if (value is IEnumerable list and not string) value = list.Cast<object?>().FirstOrDefault();
        if (value is PSObject inner) value = inner.BaseObject;
        string? text = value?.ToString();
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    private ProjectOptions SessionOptions()
    {
        // Completion runs inside the TabExpansion2 pipeline, where SessionStateProxy refuses calls ("a pipeline is
        // already running"); a script block runs nested on this thread and hands over the session's own
        // $ExecutionContext, whose paths give $PWD and resolve a relative -Project as the cmdlet would.
        var path = ScriptBlock.Create("$ExecutionContext").Invoke()
            .Select(o => o?.BaseObject).OfType<EngineIntrinsics>().FirstOrDefault()?.SessionState.Path
            ?? throw new InvalidOperationException("No session to complete in.");
        string cwd = path.CurrentFileSystemLocation.ProviderPath;
        string? project = Bound("Project");
        return new ProjectOptions
        {
            ProjectPath = project is null ? null : path.GetUnresolvedProviderPathFromPSPath(project),
            CurrentDirectory = cwd,
        };
    }
}

/// <summary>The word under the cursor: the prefix to match and the quote the user opened, if any.</summary>
internal readonly record struct TypedWord(string Prefix, char? OpenQuote)
{
    private static readonly char[] NeedsQuotes = " \t`$&@(){};,|<>'\"#".ToCharArray();

    public static TypedWord Parse(string? word)
    {
        word ??= "";
        if (word.Length > 0 && word[0] is '\'' or '"')
        {
            char quote = word[0];
            string inner = word[1..];
            if (inner.Length > 0 && inner[^1] == quote) inner = inner[..^1];
            return new TypedWord(inner, quote);
        }
        return new TypedWord(word, null);
    }

    /// <summary>The value as it must be typed: quoted when the user opened a quote, or when it holds a space or a character PowerShell would read as syntax.</summary>
    public string Quote(string value)
    {
        if (OpenQuote == '"')
            return "\"" + value.Replace("`", "``").Replace("\"", "`\"").Replace("$", "`$") + "\"";
        if (OpenQuote == '\'' || value.IndexOfAny(NeedsQuotes) >= 0 || value.StartsWith('-'))
            return "'" + CodeGeneration.EscapeSingleQuotedStringContent(value) + "'";
        return value;
    }
}
