using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Fastband.Core.Setup;

/// <summary>The agents init can wire: it writes their MCP server entry (and, for Claude Code, the pre-tool-use hook).</summary>
public static class AgentKind
{
    public const string Claude = "claude";
    public const string Codex = "codex";

    public static readonly Vocabulary Names = new("agent to wire", "InvalidWireTarget", Claude, Codex);
}

/// <summary>A change planned for one file: the item to report and, when it writes, the text to write.</summary>
internal sealed record PlannedFile(InitItem Item, string? NewText)
{
    public void Apply()
    {
        if (NewText is not null && Item.Changes) ManagedFile.Write(Item.Path, NewText);
    }
}

/// <summary>
/// Merges Fastband's entries into an agent's project config, keeping everything else in the file: every other key,
/// server and hook. Claude Code: <c>.mcp.json</c> (mcpServers.fastband) and <c>.claude/settings.json</c>
/// (a hooks.PreToolUse group for file edits). Codex: <c>.codex/config.toml</c> ([mcp_servers.fastband]).
/// A file that does not parse is refused with its line, before anything is written.
/// </summary>
internal static class AgentWiring
{
    public const string HookMatcher = "Edit|Write|MultiEdit|NotebookEdit";

    public static IReadOnlyList<string> McpArguments(Launcher launcher, string agent, string root) =>
        launcher.Arguments("mcp", "--agent", agent, "--project", root);

    public static string HookCommand(Launcher launcher, string agent, string root) =>
        launcher.ShellLine("hook", "pre-tool-use", "--agent", agent, "--project", root);

    /// <summary>
    /// The files to change for one agent. An item's Content is the whole file as it will be written when it
    /// changes (so a dry run shows exactly that), else Fastband's entry alone.
    /// </summary>
    public static IEnumerable<PlannedFile> Plan(string agentKind, string root, Launcher launcher, string agent, bool force) =>
        (agentKind switch
        {
            AgentKind.Claude => new[] { PlanMcpJson(root, launcher, agent, force), PlanClaudeHook(root, launcher, agent, force) },
            AgentKind.Codex => new[] { PlanCodex(root, launcher, agent, force) },
            _ => throw new InvalidOperationException(agentKind),
        }).Select(f => f.Item.Changes && f.NewText is not null ? f with { Item = f.Item with { Content = f.NewText } } : f);

    // ---- Claude Code: .mcp.json ------------------------------------------------------------------------------

    public static JsonObject McpEntry(Launcher launcher, string agent, string root) => new()
    {
        ["command"] = launcher.Command,
        ["args"] = new JsonArray(McpArguments(launcher, agent, root).Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
    };

    private static PlannedFile PlanMcpJson(string root, Launcher launcher, string agent, bool force)
    {
        string path = Path.Combine(root, ".mcp.json");
        var doc = ReadJsonObject(path);
        bool existed = doc is not null;
        doc ??= new JsonObject();
        var servers = ChildObject(doc, "mcpServers", path);
        var entry = McpEntry(launcher, agent, root);
        string action;
        string? message = null;
        if (servers["fastband"] is not { } current)
        {
            servers["fastband"] = entry;
            action = existed ? InitAction.Added : InitAction.Created;
        }
        else if (Same(current, entry)) action = InitAction.Unchanged;
        else if (force)
        {
            servers["fastband"] = entry;
            action = InitAction.Rewritten;
            message = "mcpServers.fastband differed and --force replaced it";
        }
        else
        {
            action = InitAction.Kept;
            message = "mcpServers.fastband is there and differs from what init writes: kept; 'fastband init --force' replaces it";
        }
        return new PlannedFile(new InitItem { Item = "mcpServer", Path = path, Action = action, Message = message, Content = Pretty(new JsonObject { ["fastband"] = entry.DeepClone() }) },
            Pretty(doc));
    }

    // ---- Claude Code: .claude/settings.json ------------------------------------------------------------------

    public static JsonObject HookGroup(Launcher launcher, string agent, string root) => new()
    {
        ["matcher"] = HookMatcher,
        ["hooks"] = new JsonArray(new JsonObject { ["type"] = "command", ["command"] = HookCommand(launcher, agent, root) }),
    };

    /// <summary>A PreToolUse group is Fastband's when one of its hooks runs `... hook pre-tool-use ...`.</summary>
    private static bool IsFastbandHook(JsonNode? group) =>
        group is JsonObject g && g["hooks"] is JsonArray hooks &&
        hooks.Any(h => h is JsonObject o && o["command"] is JsonValue v && v.TryGetValue<string>(out var command) && command.Contains(" hook pre-tool-use", StringComparison.Ordinal));

    private static PlannedFile PlanClaudeHook(string root, Launcher launcher, string agent, bool force)
    {
        string path = Path.Combine(root, ".claude", "settings.json");
        var doc = ReadJsonObject(path);
        bool existed = doc is not null;
        doc ??= new JsonObject();
        var hooks = ChildObject(doc, "hooks", path);
        if (hooks["PreToolUse"] is null) hooks["PreToolUse"] = new JsonArray();
        if (hooks["PreToolUse"] is not JsonArray pre)
            throw new InvalidInputException("InvalidAgentConfig", $"{path}: hooks.PreToolUse is not a list of matcher groups: fix it (see the Claude Code hooks documentation); nothing was written.");
        var group = HookGroup(launcher, agent, root);
        int index = pre.ToList().FindIndex(IsFastbandHook);
        string action;
        string? message = null;
        if (index < 0)
        {
            pre.Add((JsonNode)group);
            action = existed ? InitAction.Added : InitAction.Created;
        }
        else if (Same(pre[index], group)) action = InitAction.Unchanged;
        else if (force)
        {
            pre[index] = group;
            action = InitAction.Rewritten;
            message = "the Fastband PreToolUse hook differed and --force replaced it";
        }
        else
        {
            action = InitAction.Kept;
            message = "a Fastband PreToolUse hook is there and differs from what init writes: kept; 'fastband init --force' replaces it";
        }
        return new PlannedFile(new InitItem { Item = "hook", Path = path, Action = action, Message = message, Content = Pretty(group.DeepClone()) }, Pretty(doc));
    }

    // ---- JSON helpers ------------------------------------------------------------------------------------------

    /// <summary>The file's top-level object, or null when there is no file; anything else is refused with the line.</summary>
    private static JsonObject? ReadJsonObject(string path)
    {
        if (!File.Exists(path)) return null;
        string text = File.ReadAllText(path);
        if (string.IsNullOrWhiteSpace(text)) return new JsonObject();
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            long line = (e.LineNumber ?? 0) + 1;
            throw new InvalidInputException("InvalidAgentConfig",
                $"{path}, line {line}: this is not valid JSON ({e.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.')}); fix it or move it away, and run init again (nothing was written).");
        }
        return node as JsonObject ?? throw new InvalidInputException("InvalidAgentConfig",
            $"{path}, line 1: the file must hold a JSON object ({{ ... }}); fix it or move it away, and run init again (nothing was written).");
    }

    private static JsonObject ChildObject(JsonObject parent, string name, string path)
    {
        if (parent[name] is null) parent[name] = new JsonObject();
        return parent[name] as JsonObject ?? throw new InvalidInputException("InvalidAgentConfig",
            $"{path}: '{name}' is not a JSON object: fix it and run init again (nothing was written).");
    }

    private static bool Same(JsonNode? a, JsonNode? b) => a?.ToJsonString() == b?.ToJsonString();

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Pretty(JsonNode node) => node.ToJsonString(Indented) + "\n";

    // ---- Codex: .codex/config.toml ---------------------------------------------------------------------------

    private const string CodexMarker = "# written by fastband init: the Fastband MCP server ('fastband init --force' may rewrite this table; delete this line to keep your edits)";

    private static readonly Regex OurHeader = new(@"^\s*\[\s*mcp_servers\s*\.\s*(fastband|""fastband"")\s*\]\s*(#.*)?$", RegexOptions.CultureInvariant);
    private static readonly Regex AnyHeader = new(@"^\s*\[", RegexOptions.CultureInvariant);
    private static readonly Regex ServersHeader = new(@"^\s*\[\s*mcp_servers\s*\]\s*(#.*)?$", RegexOptions.CultureInvariant);
    private static readonly Regex FastbandKey = new(@"^\s*(fastband|""fastband"")\s*[.=]", RegexOptions.CultureInvariant);
    private static readonly Regex DottedKey = new(@"^\s*mcp_servers\s*\.\s*(fastband|""fastband"")\s*[.=]|^\s*mcp_servers\s*=\s*\{.*\bfastband\b", RegexOptions.CultureInvariant);

    public static string CodexTable(Launcher launcher, string agent, string root) =>
        "[mcp_servers.fastband]\n" +
        $"command = {ShellQuote.Toml(launcher.Command)}\n" +
        $"args = [{string.Join(", ", McpArguments(launcher, agent, root).Select(ShellQuote.Toml))}]\n";

    private static PlannedFile PlanCodex(string root, Launcher launcher, string agent, bool force)
    {
        string path = Path.Combine(root, ".codex", "config.toml");
        string table = CodexTable(launcher, agent, root);
        string block = CodexMarker + "\n" + table;
        InitItem Item(string action, string? message = null) => new() { Item = "mcpServer", Path = path, Action = action, Message = message, Content = table };
        if (!File.Exists(path)) return new PlannedFile(Item(InitAction.Created), block);
        string text = File.ReadAllText(path).ReplaceLineEndings("\n");
        var lines = text.Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        int header = lines.FindIndex(l => OurHeader.IsMatch(l));
        if (header < 0)
        {
            if (DefinedElsewhere(lines))
                return new PlannedFile(Item(InitAction.Kept, "mcp_servers.fastband is defined there in another form (not Fastband's table): kept; remove it to have init write its own"), null);
            string joined = string.Join('\n', lines);
            string prefix = joined.Length == 0 ? "" : joined.TrimEnd('\n') + "\n\n";
            return new PlannedFile(Item(InitAction.Added), prefix + block);
        }
        int end = header + 1;
        while (end < lines.Count && !AnyHeader.IsMatch(lines[end])) end++;
        while (end > header + 1 && (lines[end - 1].Trim().Length == 0 || lines[end - 1].TrimStart().StartsWith('#'))) end--;
        bool ours = header > 0 && lines[header - 1].Trim() == CodexMarker;
        string current = string.Join('\n', lines.Skip(header).Take(end - header).Select(l => l.TrimEnd())) + "\n";
        if (ours && current == table) return new PlannedFile(Item(InitAction.Unchanged), null);
        if (!ours) return new PlannedFile(Item(InitAction.Kept, "[mcp_servers.fastband] is there without Fastband's marker comment, so it is yours: kept"), null);
        if (!force) return new PlannedFile(Item(InitAction.Kept, "[mcp_servers.fastband] differs from what init writes (edited?): kept; 'fastband init --force' rewrites it"), null);
        var rewritten = lines.Take(header).Concat(table.TrimEnd('\n').Split('\n')).Concat(lines.Skip(end));
        return new PlannedFile(Item(InitAction.Rewritten, "[mcp_servers.fastband] differed and --force rewrote it"), string.Join('\n', rewritten) + "\n");
    }

    private static bool DefinedElsewhere(List<string> lines)
    {
        bool inServers = false;
        foreach (string line in lines)
        {
            if (AnyHeader.IsMatch(line)) { inServers = ServersHeader.IsMatch(line); continue; }
            if (inServers && FastbandKey.IsMatch(line)) return true;
            if (DottedKey.IsMatch(line)) return true;
        }
        return false;
    }
}
