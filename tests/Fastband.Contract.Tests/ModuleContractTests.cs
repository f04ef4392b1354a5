using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Fastband.Contract.Tests;

/// <summary>
/// What pwsh 7.4 and PowerShell conventions demand of the staged module, checked on the files that ship
/// (module/Fastband/), not on the sources. Each test gathers every violation and fails with the list.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class ModuleContractTests
{
    /// <summary>Verbs that only read or wait; every other verb changes state and must support -WhatIf/-Confirm.</summary>
    private static readonly HashSet<string> ReadOnlyVerbs = new(StringComparer.OrdinalIgnoreCase)
    {
        "Get", "Test", "Wait", "Find", "Search", "Read", "Show", "Measure", "Resolve", "Watch",
    };

    /// <summary>
    /// The common parameters pwsh 7.4 adds to every cmdlet, and the ShouldProcess ones it adds when
    /// SupportsShouldProcess is set, with their aliases. A cmdlet parameter or alias that repeats one makes
    /// pwsh refuse the cmdlet. (The PowerShellStandard 5.1 reference assembly does not expose the 7.4 set:
    /// ProgressAction is new in 7.4.)
    /// </summary>
    private static readonly (string Name, string Alias)[] CommonParameters =
    {
        ("Verbose", "vb"), ("Debug", "db"), ("ErrorAction", "ea"), ("WarningAction", "wa"), ("InformationAction", "infa"),
        ("ProgressAction", "proga"), ("ErrorVariable", "ev"), ("WarningVariable", "wv"), ("InformationVariable", "iv"),
        ("OutVariable", "ov"), ("OutBuffer", "ob"), ("PipelineVariable", "pv"),
    };

    private static readonly (string Name, string Alias)[] ShouldProcessParameters = { ("WhatIf", "wi"), ("Confirm", "cf") };

    private readonly ModuleMetadata _module;

    public ModuleContractTests(ModuleMetadata module) => _module = module;

    private IEnumerable<CmdletClass> Cmdlets => _module.Cmdlets;

    private static void AssertNone(IEnumerable<string> violations, string what)
    {
        var list = violations.ToList();
        Assert.True(list.Count == 0, $"{what}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", list));
    }

    // ---- Cmdlet classes ----------------------------------------------------------------------------------

    [Fact]
    public void CmdletClasses_AreFoundInTheStagedPowerShellAssembly()
    {
        Assert.NotEmpty(Cmdlets);
        AssertNone(Cmdlets.Where(c => c.Type.Assembly != _module.PowerShellAssembly)
                .Select(c => $"{c} is in {c.Type.Assembly.GetName().Name}, not Fastband.PowerShell (pwsh only imports cmdlets from the root module)"),
            "Cmdlet classes outside the root module");
    }

    [Fact]
    public void EveryCmdletClass_HasACmdletAttribute() =>
        AssertNone(Cmdlets.Where(c => !c.HasCmdletAttribute).Select(c => $"{c} derives from Cmdlet but has no [Cmdlet] attribute"),
            "Cmdlet classes without [Cmdlet]");

    [Fact]
    public void ApprovedVerbs_AreReadFromTheReferenceAssemblyVerbClasses()
    {
        // A sanity check on the source of truth the verb test uses: the const fields of the Verbs* classes.
        Assert.Contains("Get", _module.ApprovedVerbs);
        Assert.Contains("Invoke", _module.ApprovedVerbs);
        Assert.DoesNotContain("Fetch", _module.ApprovedVerbs);
        Assert.True(_module.ApprovedVerbs.Count > 80, $"only {_module.ApprovedVerbs.Count} approved verbs were read");
    }

    [Fact]
    public void EveryCmdletVerb_IsAnApprovedPowerShellVerb() =>
        AssertNone(Cmdlets.Where(c => c.HasCmdletAttribute && (c.Verb is null || !_module.ApprovedVerbs.Contains(c.Verb)))
                .Select(c => $"{c}: '{c.Verb}' is not an approved verb (Get-Verb; the Verbs* classes of System.Management.Automation)"),
            "Unapproved verbs");

    [Fact]
    public void EveryCmdletNoun_StartsWithFastband() =>
        AssertNone(Cmdlets.Where(c => c.HasCmdletAttribute && !(c.Noun ?? "").StartsWith("Fastband", StringComparison.Ordinal))
                .Select(c => $"{c}: noun '{c.Noun}' does not start with 'Fastband'"),
            "Nouns without the Fastband prefix");

    [Fact]
    public void EveryCmdletClassName_IsVerbNounCommand() =>
        AssertNone(Cmdlets.Where(c => c.HasCmdletAttribute && c.Type.Name != $"{c.Verb}{c.Noun}Command")
                .Select(c => $"{c.Type.Name} implements {c.CommandName}: name it {c.Verb}{c.Noun}Command"),
            "Cmdlet classes not named <Verb><Noun>Command");

    [Fact]
    public void EveryCmdletClass_LivesInItsOwnFileNamedAfterIt()
    {
        var declaration = new Regex(@"^\s*(?:(?:public|internal|private|protected|sealed|abstract|static|partial|file|readonly)\s+)*(?:class|record|struct|interface|enum)\s+(\w+)",
            RegexOptions.Multiline);
        var violations = new List<string>();
        foreach (var c in Cmdlets)
        {
            string path = Path.Combine(_module.RepoRoot, "src", "Fastband.PowerShell", "Cmdlets", c.Type.Name + ".cs");
            if (!File.Exists(path))
            {
                violations.Add($"{c.Type.Name}: src/Fastband.PowerShell/Cmdlets/{c.Type.Name}.cs does not exist");
                continue;
            }
            var declared = declaration.Matches(File.ReadAllText(path)).Select(m => m.Groups[1].Value).ToArray();
            if (!declared.SequenceEqual(new[] { c.Type.Name }))
                violations.Add($"{c.Type.Name}: its file declares [{string.Join(", ", declared)}], not the class alone");
        }
        AssertNone(violations, "Cmdlet classes not in their own file");
    }

    [Fact]
    public void EveryCmdlet_DeclaresOutputTypes_ThatArePublicAndHaveAFormatView()
    {
        var viewed = FormatViews().SelectMany(v => v.TypeNames).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var violations = new List<string>();
        foreach (var c in Cmdlets)
        {
            var outputs = c.OutputTypes;
            if (outputs.Count == 0) violations.Add($"{c.Type.Name} has no [OutputType]");
            foreach (var (name, type) in outputs)
            {
                var resolved = type ?? _module.FindStagedType(name);
                if (resolved is null || !(resolved.IsPublic || resolved.IsNestedPublic))
                    violations.Add($"{c.Type.Name}: output type {name} is not a public type of the module");
                if (!viewed.Contains(name))
                    violations.Add($"{c.Type.Name}: output type {name} has no view in Fastband.format.ps1xml");
            }
        }
        AssertNone(violations, "Output types without a public type or a view");
    }

    [Fact]
    public void StateChangingCmdlets_SupportShouldProcess() =>
        AssertNone(Cmdlets.Where(c => c.HasCmdletAttribute && !ReadOnlyVerbs.Contains(c.Verb!) && !c.SupportsShouldProcess)
                .Select(c => $"{c.CommandName} ({c.Type.Name}) changes state but does not set SupportsShouldProcess = true"),
            "State-changing cmdlets without -WhatIf/-Confirm");

    // ---- Manifest ----------------------------------------------------------------------------------------

    [Fact]
    public void Manifest_CmdletsToExport_EqualsTheCmdletClasses()
    {
        Assert.True(_module.Manifest.TryGetValue("CmdletsToExport", out var value), "Fastband.psd1 has no CmdletsToExport");
        var exported = PowerShellDataFile.Strings(value);
        var classes = Cmdlets.Where(c => c.HasCmdletAttribute).Select(c => c.CommandName).ToArray();
        var violations = exported.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => $"'{g.Key}' is listed {g.Count()} times")
            .Concat(exported.Except(classes, StringComparer.OrdinalIgnoreCase).Select(n => $"'{n}' is exported but no cmdlet class implements it"))
            .Concat(classes.Except(exported, StringComparer.OrdinalIgnoreCase).Select(n => $"'{n}' is a cmdlet but not in CmdletsToExport"))
            .Concat(exported.Intersect(classes, StringComparer.OrdinalIgnoreCase).Where(n => !classes.Contains(n, StringComparer.Ordinal))
                .Select(n => $"'{n}' differs in case from the cmdlet's name"));
        AssertNone(violations, "CmdletsToExport does not match the cmdlet classes");
    }

    [Fact]
    public void Manifest_DeclaresRootModuleCoreEditionPowerShell74AndTheFormatFile()
    {
        var m = _module.Manifest;
        Assert.Equal("Fastband.PowerShell.dll", m.GetValueOrDefault("RootModule") as string);
        Assert.Contains("Core", PowerShellDataFile.Strings(m.GetValueOrDefault("CompatiblePSEditions")));
        Assert.Equal("7.4", m.GetValueOrDefault("PowerShellVersion") as string);
        Assert.Contains("Fastband.format.ps1xml", PowerShellDataFile.Strings(m.GetValueOrDefault("FormatsToProcess")));
    }

    [Fact]
    public void Manifest_EveryFileItNames_IsInTheStagedModuleFolder()
    {
        string[] fileKeys = { "RootModule", "ModuleToProcess", "FormatsToProcess", "TypesToProcess", "ScriptsToProcess", "RequiredAssemblies", "NestedModules", "FileList" };
        var named = fileKeys.SelectMany(k => PowerShellDataFile.Strings(_module.Manifest.GetValueOrDefault(k)).Select(f => (Key: k, File: f))).ToArray();
        Assert.Contains(named, n => n.Key == "RootModule");
        AssertNone(named.Where(n => !File.Exists(Path.Combine(_module.ModuleDirectory, n.File)))
                .Select(n => $"{n.Key} names '{n.File}', which is not in module/Fastband/ (add it to build.sh's allow-list)"),
            "Files the manifest names but the module lacks");
    }

    // ---- Format file -------------------------------------------------------------------------------------

    private sealed record FormatView(string Name, IReadOnlyList<string> TypeNames, XElement Element);

    private IReadOnlyList<FormatView> FormatViews() =>
        _module.Format.Descendants("View")
            .Select(v => new FormatView(
                (string?)v.Element("Name") ?? "(unnamed)",
                v.Element("ViewSelectedBy")?.Elements("TypeName").Select(t => t.Value.Trim()).ToArray() ?? Array.Empty<string>(),
                v))
            .ToArray();

    [Fact]
    public void FormatFile_HasViews_EachSelectingAType()
    {
        var views = FormatViews();
        Assert.NotEmpty(views);
        AssertNone(views.Where(v => v.TypeNames.Count == 0).Select(v => $"view '{v.Name}' selects no TypeName"), "Views without a type");
    }

    [Fact]
    public void FormatFile_EveryTypeName_IsAPublicTypeOfTheStagedAssemblies() =>
        AssertNone(_module.Format.Descendants("TypeName").Select(t => t.Value.Trim()).Distinct()
                .Where(name => _module.FindStagedType(name) is null)
                .Select(name => $"TypeName {name} is not a public type in module/Fastband/"),
            "Format file type names that do not exist");

    [Fact]
    public void FormatFile_EveryPropertyName_IsAPublicPropertyOfTheViewedType()
    {
        var violations = new List<string>();
        foreach (var view in FormatViews())
        {
            // A PropertyName inside a nested control of an ExpressionBinding refers to that expression's value, not the viewed type.
            var names = view.Element.Descendants("PropertyName")
                .Where(p => !p.Ancestors().TakeWhile(a => a != view.Element).Skip(1).Any(a => a.Name == "ExpressionBinding"))
                .Select(p => p.Value.Trim()).Distinct();
            foreach (string typeName in view.TypeNames)
            {
                var type = _module.FindStagedType(typeName);
                if (type is null) continue; // reported by the TypeName test
                foreach (string property in names)
                {
                    var p = type.GetProperty(property, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                    if (p?.GetMethod is not { IsPublic: true })
                        violations.Add($"view '{view.Name}': {typeName} has no public property '{property}'");
                }
            }
        }
        AssertNone(violations, "Format views that name missing properties");
    }

    [Fact]
    public void FormatFile_EveryTable_HasAsManyHeadersAsColumns()
    {
        // pwsh refuses a format file whose table header count differs from a row's column count.
        var violations = new List<string>();
        foreach (var view in FormatViews())
        {
            foreach (var table in view.Element.Descendants("TableControl"))
            {
                var headers = table.Element("TableHeaders")?.Elements("TableColumnHeader").Count() ?? 0;
                foreach (var row in table.Descendants("TableRowEntry"))
                {
                    int columns = row.Element("TableColumnItems")?.Elements("TableColumnItem").Count() ?? 0;
                    if (headers > 0 && columns != headers)
                        violations.Add($"view '{view.Name}': {headers} headers but {columns} columns");
                }
            }
        }
        AssertNone(violations, "Tables whose headers and columns differ");
    }

    // ---- Parameters --------------------------------------------------------------------------------------

    [Fact]
    public void EveryParameterProperty_HasAPublicSetterAndGetter() =>
        AssertNone(Cmdlets.SelectMany(c => c.Parameters.Select(p => (Cmdlet: c, Parameter: p)))
                .Where(x => x.Parameter.Property.SetMethod is not { IsPublic: true } || x.Parameter.Property.GetMethod is not { IsPublic: true })
                .Select(x => $"{x.Cmdlet.Type.Name}: parameter {x.Parameter.Name} (declared in {x.Parameter.DeclaredBy}) needs a public get and set")
                .Distinct(),
            "Parameters pwsh cannot bind");

    [Fact]
    public void NoCmdlet_HasTwoParametersSharingANameOrAlias_IncludingInheritedAndCommonOnes()
    {
        var violations = new List<string>();
        foreach (var c in Cmdlets)
        {
            var owners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            void Claim(string key, string owner)
            {
                if (owners.TryGetValue(key, out var previous))
                    violations.Add($"{c.Type.Name}: '{key}' is used by both {previous} and {owner}");
                else owners[key] = owner;
            }
            foreach (var (name, alias) in CommonParameters.Concat(c.SupportsShouldProcess ? ShouldProcessParameters : Array.Empty<(string, string)>()))
            {
                owners[name] = $"common parameter -{name}";
                owners[alias] = $"common parameter -{name}";
            }
            foreach (var p in c.Parameters)
            {
                string owner = $"-{p.Name} (declared in {p.DeclaredBy})";
                Claim(p.Name, owner);
                foreach (string alias in p.Aliases) Claim(alias, owner + " as an alias");
            }
        }
        AssertNone(violations, "Parameter names or aliases used twice");
    }

    [Fact]
    public void EveryCmdlet_HasAProjectParameter() =>
        AssertNone(Cmdlets.Where(c => !c.Parameters.Any(p => p.Name == "Project"))
                .Select(c => $"{c.Type.Name} has no -Project parameter (derive it from FastbandCmdlet)"),
            "Cmdlets without -Project");

    // ---- Assembly references -----------------------------------------------------------------------------

    [Fact]
    public void PowerShellDll_AndTheStagedAssembliesItPullsIn_ReferenceOnlyStagedSmaOrNet8FrameworkAssemblies()
    {
        var staged = _module.StagedAssemblies.ToDictionary(a => a.GetName().Name!, StringComparer.OrdinalIgnoreCase);
        var framework = Directory.GetFiles(_module.RuntimeDirectory, "*.dll").Select(Path.GetFileNameWithoutExtension)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var violations = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Fastband.PowerShell" };
        var queue = new Queue<Assembly>(new[] { _module.PowerShellAssembly });
        while (queue.Count > 0)
        {
            var assembly = queue.Dequeue();
            string from = assembly.GetName().Name!;
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                string name = reference.Name!;
                var version = reference.Version ?? new Version(0, 0);
                if (staged.TryGetValue(name, out var local))
                {
                    if (local.GetName().Version < version)
                        violations.Add($"{from} references {name} {version}, but module/Fastband/ has {local.GetName().Version}");
                    if (seen.Add(name)) queue.Enqueue(local);
                }
                else if (name == ModuleMetadata.SmaName)
                {
                    if (from != "Fastband.PowerShell")
                        violations.Add($"{from} references {name}; only the cmdlet assembly may (pwsh supplies it)");
                }
                else if (framework.Contains(name) || name == "netstandard" || name == "mscorlib")
                {
                    // pwsh 7.4 runs on .NET 8: a framework assembly newer than 8.0 is not there.
                    if (version.Major > 8 && name != "netstandard")
                        violations.Add($"{from} references {name} {version}, newer than .NET 8 (pwsh 7.4) has");
                }
                else
                {
                    violations.Add($"{from} references {name} {version}, which is neither staged, nor SMA, nor part of .NET");
                }
            }
        }
        Assert.Contains("Fastband.Core", seen);
        AssertNone(violations, "References that will not resolve in pwsh 7.4");
    }

    [Fact]
    public void CoreDll_DoesNotReferenceSystemManagementAutomation() =>
        Assert.DoesNotContain(_module.CoreAssembly.GetReferencedAssemblies(), r => r.Name == ModuleMetadata.SmaName);
}
