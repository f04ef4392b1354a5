using System.CommandLine;
using System.CommandLine.Completions;
using Fastband.Core.Issues;

namespace Fastband.Cli;

/// <summary>
/// <c>fastband completion bash|zsh|fish|pwsh</c>: a script for the shell that completes commands, options and the
/// values that exist when you press Tab (agents, backup ids, lease ids, issue ids). Every script asks the CLI itself
/// through System.CommandLine's <c>[suggest:POSITION]</c> directive, so it never goes out of date; the values come
/// from <see cref="RuntimeCompletions"/>, which only reads and never makes a store.
/// </summary>
internal static class CompletionCommands
{
    public static Command Build()
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh, fish or pwsh." };
        shell.AcceptOnlyFromAmong("bash", "zsh", "fish", "pwsh");
        var cmd = new Command("completion", "Print a shell completion script: source it from your shell's start-up file (docs/completion.md).") { shell };
        cmd.SetAction(p =>
        {
            Console.Out.Write(Script(p.GetValue(shell)!));
            return ExitCodes.Ok;
        });
        return cmd;
    }

    public static string Script(string shell) => shell switch
    {
        "bash" => """
            # fastband completion for bash: eval "$(fastband completion bash)" in ~/.bashrc
            _fastband_complete() {
              local line="${COMP_LINE:0:COMP_POINT}"
              local rest=""
              [[ "$line" == *[[:space:]]* ]] && rest="${line#*[[:space:]]}"
              local IFS=$'\n'
              COMPREPLY=($(command "${COMP_WORDS[0]}" "[suggest:${#rest}]" "$rest" 2>/dev/null | grep -v -e '^/' -e '^-?$'))
            }
            complete -o default -F _fastband_complete fastband ./fastband

            """,
        "zsh" => """
            # fastband completion for zsh: eval "$(fastband completion zsh)" in ~/.zshrc (after compinit)
            _fastband_complete() {
              local line="${BUFFER[1,$CURSOR]}"
              local rest=""
              [[ "$line" == *[[:space:]]* ]] && rest="${line#*[[:space:]]}"
              local -a items
              items=("${(@f)$(command ${words[1]} "[suggest:${#rest}]" "$rest" 2>/dev/null | grep -v -e '^/' -e '^-?$')}")
              compadd -a items
            }
            compdef _fastband_complete fastband

            """,
        "fish" => """
            # fastband completion for fish: fastband completion fish | source (or save it in ~/.config/fish/completions/fastband.fish)
            function __fastband_complete
                set -l line (commandline -cp)
                set -l rest (string replace -r '^\S+\s*' '' -- $line)
                command (commandline -opc)[1] "[suggest:"(string length -- "$rest")"]" "$rest" 2>/dev/null | string match -v -r '^(/|-\?$)'
            end
            complete -c fastband -f -a '(__fastband_complete)'

            """,
        _ => """
            # fastband completion for PowerShell: fastband completion pwsh | Out-String | Invoke-Expression (in $PROFILE)
            Register-ArgumentCompleter -Native -CommandName fastband -ScriptBlock {
                param($wordToComplete, $commandAst, $cursorPosition)
                $line = $commandAst.ToString()
                $exe = $commandAst.CommandElements[0].ToString()
                $upTo = $line.Substring(0, [Math]::Min($line.Length, $cursorPosition - $commandAst.Extent.StartOffset))
                $rest = if ($upTo -match '^\S+\s+(.*)$') { $Matches[1] } else { '' }
                & $exe "[suggest:$($rest.Length)]" $rest 2>$null | Where-Object { $_ -notmatch '^(/|-\?$)' } | ForEach-Object {
                    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
                }
            }

            """,
    };
}

/// <summary>
/// The values a completion offers that exist only at run time, read from the project the command line names (or
/// the one the current folder is in). A completion never fails, waits or writes: any trouble offers nothing.
/// </summary>
internal static class RuntimeCompletions
{
    public static T Agents<T>(T symbol) where T : Symbol => Add(symbol, p => p.Agents.List(includeInactive: true).Select(a => a.Name));

    public static T Leases<T>(T symbol) where T : Symbol => Add(symbol, p => p.Locks.List().Leases.Select(l => l.LeaseId));

    public static T Issues<T>(T symbol) where T : Symbol => Add(symbol, p => p.Issues.List(new IssueQuery()).Select(i => i.Id));

    public static T Backups<T>(T symbol) where T : Symbol
    {
        Sources(symbol).Add(ctx => Safely(ctx, () =>
        {
            var backups = FastbandProject.OpenBackups(Run.Options(ctx.ParseResult, offline: true, existingStoreOnly: true));
            return backups.List().Select(b => b.Id).Append("latest");
        }));
        return symbol;
    }

    private static T Add<T>(T symbol, Func<FastbandProject, IEnumerable<string>> read) where T : Symbol
    {
        Sources(symbol).Add(ctx => Safely(ctx, () =>
        {
            using var project = FastbandProject.Open(Run.Options(ctx.ParseResult, offline: true, existingStoreOnly: true));
            return read(project).ToList();
        }));
        return symbol;
    }

    private static List<Func<CompletionContext, IEnumerable<CompletionItem>>> Sources(Symbol symbol) => symbol switch
    {
        Option o => o.CompletionSources,
        Argument a => a.CompletionSources,
        _ => throw new ArgumentException($"{symbol.Name} takes no completions", nameof(symbol)),
    };

    private static IEnumerable<CompletionItem> Safely(CompletionContext ctx, Func<IEnumerable<string>> values)
    {
        try
        {
            return values().Distinct(StringComparer.Ordinal).Where(v => v.StartsWith(ctx.WordToComplete, StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).Select(v => new CompletionItem(v)).ToList();
        }
        catch (Exception)
        {
            return Array.Empty<CompletionItem>(); // no store here, a locked file, a bad config: nothing to offer
        }
    }
}
