using System.CommandLine;
using Fastband.Core;
using Fastband.Core.Hooks;

namespace Fastband.Cli;

/// <summary>
/// <c>fastband hook pre-tool-use</c>: the guard an agent tool runs before each tool call (Claude Code's PreToolUse
/// hook). It speaks the hook protocol, not the CLI's exit codes: 0 lets the call go ahead, 2 blocks it and the
/// sentence on stderr reaches the model, anything else is a non-blocking error shown to the user.
/// </summary>
internal static class HookCommands
{
    public const int Block = 2;
    public const int HookError = 1;

    public static Command Build()
    {
        var hook = new Command("hook", "Guards agent tool calls: agent tools run these before each call (written by 'fastband init').");

        var failClosed = new Option<bool>("--fail-closed")
        {
            Description = "Block the call (exit 2) when the guard itself cannot decide (no store, unreadable input, a store error); default: let it through with exit 1 and say why.",
        };
        var pre = new Command("pre-tool-use",
            "Read a tool call as JSON on stdin (Claude Code's PreToolUse payload) and block a file edit or write (exit 2, one sentence on stderr) while a hold covers the agent or another agent holds the file under an exclusive lock; exit 0 otherwise.")
        {
            failClosed,
        };
        pre.SetAction(p =>
        {
            bool closed = p.GetValue(failClosed);
            try
            {
                var call = ToolCall.Parse(ReadStdin());
                var options = Run.Options(p, offline: false, existingStoreOnly: true);
                if (call.Cwd is { Length: > 0 } cwd && Path.IsPathRooted(cwd) && Directory.Exists(cwd))
                    options = options with { CurrentDirectory = cwd };
                using var project = FastbandProject.Open(options);
                var verdict = project.EditGuard.Check(call);
                if (Run.Json(p)) Console.Out.WriteLine(FastbandJson.Serialize(verdict));
                if (verdict.Allowed) return ExitCodes.Ok;
                Console.Error.WriteLine(verdict.Reason);
                return Block;
            }
            catch (Exception e)
            {
                string detail = e is FastbandException or IOException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                Console.Error.WriteLine(closed
                    ? $"Fastband blocks this call because it could not check it: {detail.ReplaceLineEndings(" ")}"
                    : $"fastband hook: could not check this call, letting it through: {detail.ReplaceLineEndings(" ")}");
                return closed ? Block : HookError;
            }
        });

        hook.Subcommands.Add(pre);
        return hook;
    }

    /// <summary>The payload, up to <see cref="ToolCall.MaxPayloadBytes"/>; a larger one is refused, not buffered.</summary>
    private static string ReadStdin()
    {
        if (!Console.IsInputRedirected)
            throw new InvalidInputException("HookInputEmpty", "The hook reads the tool call as JSON on stdin, and stdin is a terminal: pipe the payload in (the agent tool does).");
        using var stdin = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = stdin.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > ToolCall.MaxPayloadBytes)
                throw new InvalidInputException("HookInputTooLarge", $"The hook's stdin is over {ToolCall.MaxPayloadBytes / (1024 * 1024)} MiB: that is not a tool call payload.");
            buffer.Write(chunk, 0, n);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
