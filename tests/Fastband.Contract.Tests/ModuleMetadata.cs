using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Xml.Linq;

namespace Fastband.Contract.Tests;

/// <summary>
/// The staged module (module/Fastband/, made by ./build.sh) read through a MetadataLoadContext: nothing of
/// it is loaded into the test process, so no System.Management.Automation runtime is needed. References
/// resolve from the staged folder, the PowerShellStandard reference assembly and the running runtime.
/// </summary>
public sealed class ModuleMetadata : IDisposable
{
    public const string SmaName = "System.Management.Automation";
    public const string CmdletBaseType = SmaName + ".Cmdlet";

    /// <summary>The classes that hold the approved verbs as const fields (what Get-Verb lists).</summary>
    public static readonly string[] VerbClasses =
    {
        "VerbsCommon", "VerbsData", "VerbsLifecycle", "VerbsDiagnostic", "VerbsCommunications", "VerbsSecurity", "VerbsOther",
    };

    public ModuleMetadata()
    {
        RepoRoot = FindRepoRoot();
        ModuleDirectory = Path.Combine(RepoRoot, "module", "Fastband");
        string[] required = { "Fastband.psd1", "Fastband.PowerShell.dll", "Fastband.Core.dll", "Fastband.format.ps1xml" };
        var missing = required.Where(f => !File.Exists(Path.Combine(ModuleDirectory, f))).ToArray();
        if (missing.Length > 0)
            throw new InvalidOperationException(
                $"The module is not staged: {ModuleDirectory} lacks {string.Join(", ", missing)}. Run ./build.sh first (test.sh does).");

        RuntimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        SmaReferencePath = FindSmaReference();
        StagedAssemblyPaths = Directory.GetFiles(ModuleDirectory, "*.dll").OrderBy(p => p, StringComparer.Ordinal).ToArray();

        var paths = new List<string>(StagedAssemblyPaths) { SmaReferencePath };
        var staged = new HashSet<string>(StagedAssemblyPaths.Select(Path.GetFileName)!, StringComparer.OrdinalIgnoreCase);
        paths.AddRange(Directory.GetFiles(RuntimeDirectory, "*.dll").Where(p => !staged.Contains(Path.GetFileName(p))));
        Context = new MetadataLoadContext(new PathAssemblyResolver(paths), "System.Private.CoreLib");

        PowerShellAssembly = Context.LoadFromAssemblyPath(Path.Combine(ModuleDirectory, "Fastband.PowerShell.dll"));
        CoreAssembly = Context.LoadFromAssemblyPath(Path.Combine(ModuleDirectory, "Fastband.Core.dll"));
        Sma = Context.LoadFromAssemblyName(SmaName);
        StagedAssemblies = StagedAssemblyPaths.Select(Context.LoadFromAssemblyPath).ToArray();

        Cmdlets = StagedAssemblies
            .Where(a => a.GetName().Name!.StartsWith("Fastband.", StringComparison.Ordinal))
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsClass && t.IsPublic && !t.IsAbstract && DerivesFrom(t, CmdletBaseType))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => new CmdletClass(t))
            .ToArray();

        ApprovedVerbs = VerbClasses
            .Select(name => Sma.GetType($"{SmaName}.{name}")
                            ?? throw new InvalidOperationException($"{SmaName}.{name} is missing from {SmaReferencePath}."))
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.IsLiteral && f.FieldType.FullName == "System.String")
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        Manifest = PowerShellDataFile.ParseHashtable(File.ReadAllText(Path.Combine(ModuleDirectory, "Fastband.psd1")));
        Format = XDocument.Load(Path.Combine(ModuleDirectory, "Fastband.format.ps1xml"));
    }

    public string RepoRoot { get; }
    public string ModuleDirectory { get; }
    public string RuntimeDirectory { get; }
    public string SmaReferencePath { get; }
    public IReadOnlyList<string> StagedAssemblyPaths { get; }
    public MetadataLoadContext Context { get; }
    public Assembly PowerShellAssembly { get; }
    public Assembly CoreAssembly { get; }
    public Assembly Sma { get; }
    public IReadOnlyList<Assembly> StagedAssemblies { get; }
    public IReadOnlyList<CmdletClass> Cmdlets { get; }
    public IReadOnlySet<string> ApprovedVerbs { get; }
    public IReadOnlyDictionary<string, object?> Manifest { get; }
    public XDocument Format { get; }

    /// <summary>The public type with this full name in any staged assembly, or null.</summary>
    public Type? FindStagedType(string fullName) =>
        StagedAssemblies.Select(a => a.GetType(fullName)).FirstOrDefault(t => t is not null && (t.IsPublic || t.IsNestedPublic));

    public static bool DerivesFrom(Type type, string baseFullName)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
            if (t.FullName == baseFullName) return true;
        return false;
    }

    public void Dispose() => Context.Dispose();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Fastband.PowerShell.sln"))) return dir.FullName;
        throw new InvalidOperationException(
            $"No folder above {AppContext.BaseDirectory} holds Fastband.PowerShell.sln: run the tests from inside the repository.");
    }

    private static string FindSmaReference()
    {
        const string relative = "lib/netstandard2.0/System.Management.Automation.dll";
        var roots = new List<string>();
        string? fromBuild = typeof(ModuleMetadata).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "PowerShellStandardLibraryRoot")?.Value;
        if (!string.IsNullOrEmpty(fromBuild)) roots.Add(fromBuild);
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        roots.Add(Path.Combine(packages, "powershellstandard.library", "5.1.0-preview-06"));
        foreach (string root in roots)
        {
            string candidate = Path.Combine(root, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException(
            $"The PowerShellStandard.Library reference assembly was not found (looked for {relative} under {string.Join(", ", roots)}): restore the solution.");
    }
}

[CollectionDefinition(Name)]
public sealed class ModuleCollection : ICollectionFixture<ModuleMetadata>
{
    public const string Name = "Staged module";
}

/// <summary>A cmdlet class and what its [Cmdlet] attribute says (nulls when it has none).</summary>
public sealed class CmdletClass
{
    public CmdletClass(Type type)
    {
        Type = type;
        var attribute = type.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == ModuleMetadata.SmaName + ".CmdletAttribute");
        if (attribute is null) return;
        HasCmdletAttribute = true;
        Verb = attribute.ConstructorArguments[0].Value as string;
        Noun = attribute.ConstructorArguments[1].Value as string;
        SupportsShouldProcess = attribute.NamedArguments.Any(n => n.MemberName == "SupportsShouldProcess" && n.TypedValue.Value is true);
    }

    public Type Type { get; }
    public bool HasCmdletAttribute { get; }
    public string? Verb { get; }
    public string? Noun { get; }
    public bool SupportsShouldProcess { get; }
    public string CommandName => $"{Verb}-{Noun}";

    /// <summary>The type names given to [OutputType]: Type arguments by full name, string arguments as written.</summary>
    public IReadOnlyList<(string Name, Type? Type)> OutputTypes =>
        Type.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == ModuleMetadata.SmaName + ".OutputTypeAttribute")
            .SelectMany(a => a.ConstructorArguments.SelectMany(Flatten))
            .Select(v => v switch
            {
                Type t => (t.FullName ?? t.Name, t),
                string s => (s, (Type?)null),
                _ => (v?.ToString() ?? "(null)", null),
            })
            .ToArray();

    /// <summary>
    /// Every [Parameter] property of the class and its base classes, one per declaration (an override counts
    /// with the property it overrides), private ones included so that a missing public setter shows.
    /// </summary>
    public IReadOnlyList<CmdletParameter> Parameters
    {
        get
        {
            var list = new List<CmdletParameter>();
            const BindingFlags declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            for (var t = Type; t is not null; t = t.BaseType)
            {
                foreach (var p in t.GetProperties(declared))
                {
                    var attributes = p.GetCustomAttributesData();
                    if (!attributes.Any(a => a.AttributeType.FullName == ModuleMetadata.SmaName + ".ParameterAttribute")) continue;
                    var accessor = p.GetMethod ?? p.SetMethod;
                    if (accessor is { IsVirtual: true } && !accessor.Attributes.HasFlag(MethodAttributes.NewSlot)) continue; // an override
                    var aliases = attributes
                        .Where(a => a.AttributeType.FullName == ModuleMetadata.SmaName + ".AliasAttribute")
                        .SelectMany(a => a.ConstructorArguments.SelectMany(Flatten))
                        .OfType<string>()
                        .ToArray();
                    list.Add(new CmdletParameter(p.Name, aliases, p));
                }
            }
            return list;
        }
    }

    public override string ToString() => Type.FullName ?? Type.Name;

    private static IEnumerable<object?> Flatten(CustomAttributeTypedArgument argument) =>
        argument.Value is IEnumerable<CustomAttributeTypedArgument> items ? items.Select(i => i.Value) : new[] { argument.Value };
}

public sealed record CmdletParameter(string Name, IReadOnlyList<string> Aliases, PropertyInfo Property)
{
    public string DeclaredBy => Property.DeclaringType?.Name ?? "?";
}

/// <summary>
/// A reader for PowerShell data files (.psd1) as far as module manifests use them: @{ } hashtables,
/// @( ) arrays, comma lists, single- and double-quoted strings, numbers, $true/$false/$null, and comments.
/// Hashtables come back as case-insensitive dictionaries, arrays as lists, everything else as strings/bools.
/// </summary>
public sealed class PowerShellDataFile
{
    private readonly string _text;
    private int _pos;

    private PowerShellDataFile(string text) => _text = text;

    public static IReadOnlyDictionary<string, object?> ParseHashtable(string text)
    {
        var parser = new PowerShellDataFile(text);
        parser.Skip();
        if (!parser.At("@{")) throw parser.Error("the file must hold one @{ } hashtable");
        var table = parser.ParseHashtableBody();
        parser.Skip();
        if (parser._pos < text.Length) throw parser.Error("text after the closing }");
        return table;
    }

    /// <summary>A value as a list of strings: a single string becomes a one-item list, null an empty one.</summary>
    public static IReadOnlyList<string> Strings(object? value) => value switch
    {
        null => Array.Empty<string>(),
        string s => new[] { s },
        IEnumerable<object?> items => items.Select(i => i as string ?? throw new FormatException($"'{i}' is not a string.")).ToArray(),
        _ => throw new FormatException($"'{value}' is not a string or a list of strings."),
    };

    private Dictionary<string, object?> ParseHashtableBody()
    {
        _pos += 2; // @{
        var table = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            Skip();
            if (Eat('}')) return table;
            if (Eat(';')) continue;
            string key = Peek() is '\'' or '"' ? ParseString() : ParseBareword();
            Skip();
            if (!Eat('=')) throw Error($"'=' expected after key '{key}'");
            if (!table.TryAdd(key, ParseValueOrCommaList())) throw Error($"key '{key}' appears twice");
        }
    }

    private object? ParseValueOrCommaList()
    {
        var first = ParseValue();
        Skip();
        if (Peek() != ',') return first;
        var list = new List<object?> { first };
        while (Eat(',')) list.Add(ParseValue());
        return list;
    }

    private object? ParseValue()
    {
        Skip();
        if (At("@{")) return ParseHashtableBody();
        if (At("@("))
        {
            _pos += 2;
            var list = new List<object?>();
            while (true)
            {
                Skip();
                if (Eat(')')) return list;
                if (Eat(',') || Eat(';')) continue;
                list.Add(ParseValue());
            }
        }
        if (Peek() is '\'' or '"') return ParseString();
        string word = ParseBareword();
        return word.ToLowerInvariant() switch
        {
            "$true" => true,
            "$false" => false,
            "$null" => null,
            _ when word.StartsWith('$') => throw Error($"variable {word} is not allowed in a data file"),
            _ => word,
        };
    }

    private string ParseString()
    {
        char quote = _text[_pos++];
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length) throw Error("unterminated string");
            char c = _text[_pos++];
            if (c == quote)
            {
                if (Peek() == quote) { sb.Append(quote); _pos++; continue; } // '' or ""
                return sb.ToString();
            }
            if (quote == '"' && c == '`' && _pos < _text.Length) { sb.Append(_text[_pos++]); continue; }
            if (quote == '"' && c == '$') throw Error("expandable strings are not supported in a data file");
            sb.Append(c);
        }
    }

    private string ParseBareword()
    {
        int start = _pos;
        while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] is '_' or '-' or '.' or '$')) _pos++;
        if (_pos == start) throw Error($"unexpected '{Peek()}'");
        return _text[start.._pos];
    }

    /// <summary>Skips white space, line ends and comments (# to end of line, &lt;# ... #&gt;).</summary>
    private void Skip()
    {
        while (_pos < _text.Length)
        {
            if (char.IsWhiteSpace(_text[_pos])) _pos++;
            else if (At("<#"))
            {
                int end = _text.IndexOf("#>", _pos + 2, StringComparison.Ordinal);
                if (end < 0) throw Error("unterminated <# comment");
                _pos = end + 2;
            }
            else if (_text[_pos] == '#')
            {
                while (_pos < _text.Length && _text[_pos] != '\n') _pos++;
            }
            else return;
        }
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';
    private bool At(string s) => string.CompareOrdinal(_text, _pos, s, 0, s.Length) == 0;

    private bool Eat(char c)
    {
        Skip();
        if (Peek() != c) return false;
        _pos++;
        return true;
    }

    private FormatException Error(string what)
    {
        int line = 1 + _text.Take(Math.Min(_pos, _text.Length)).Count(c => c == '\n');
        return new FormatException($"Fastband.psd1 line {line}: {what}.");
    }
}
