using System.Collections.ObjectModel;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Xml.Linq;

namespace Fastband.HelpGen;

/// <summary>How a parameter takes part in one parameter set.</summary>
public sealed record ParameterSetUse(string SetName, bool Mandatory, int? Position, bool ByValue, bool ByPropertyName);

public sealed class CmdletParameter
{
    public required string Name { get; init; }
    /// <summary>The class that declares the property (a base class for -Project, -Agent, -Session).</summary>
    public required string DeclaringType { get; init; }
    public required string TypeFullName { get; init; }
    public required string TypeShortName { get; init; }
    public bool IsSwitch { get; init; }
    public bool IsArray { get; init; }
    public bool SupportsWildcards { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> ValidValues { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Description { get; init; } = Array.Empty<string>();
    public IReadOnlyList<ParameterSetUse> Sets { get; init; } = Array.Empty<ParameterSetUse>();
    /// <summary>-WhatIf and -Confirm, which PowerShell adds for SupportsShouldProcess.</summary>
    public bool IsShouldProcess { get; init; }

    public ParameterSetUse? In(string set) =>
        Sets.FirstOrDefault(s => s.SetName == set) ?? Sets.FirstOrDefault(s => s.SetName == CmdletCatalog.AllSets);
}

public sealed record CmdletExample(string Code, IReadOnlyList<string> Remarks);

public sealed record CmdletOutput(string TypeFullName, IReadOnlyList<string> Description);

public sealed class CmdletHelp
{
    public required string Name { get; init; }
    public required string Verb { get; init; }
    public required string Noun { get; init; }
    public required string ClassName { get; init; }
    public IReadOnlyList<string> Synopsis { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Description { get; init; } = Array.Empty<string>();
    public IReadOnlyList<CmdletExample> Examples { get; init; } = Array.Empty<CmdletExample>();
    public IReadOnlyList<CmdletParameter> Parameters { get; init; } = Array.Empty<CmdletParameter>();
    public IReadOnlyList<CmdletOutput> Outputs { get; init; } = Array.Empty<CmdletOutput>();
    public string? DefaultParameterSet { get; init; }

    /// <summary>The parameter sets in the order Get-Help shows them: the default first.</summary>
    public IReadOnlyList<string> ParameterSets
    {
        get
        {
            var named = Parameters.SelectMany(p => p.Sets).Select(s => s.SetName).Where(s => s != CmdletCatalog.AllSets).Distinct().ToList();
            // A default set that no parameter names is still a set (Write-FastbandEvent's "Current": the
            // parameters of all sets only).
            if (DefaultParameterSet is { } d && named.Count > 0 && !named.Contains(d)) named.Add(d);
            if (named.Count == 0) return new[] { CmdletCatalog.AllSets };
            return named.OrderBy(s => s == DefaultParameterSet ? 0 : 1).ToList();
        }
    }
}

/// <summary>
/// The cmdlets of an assembly, read through a MetadataLoadContext (nothing is loaded to run), with the text of their
/// XML doc comments: the class summary is the synopsis, its remarks the description, its example elements the
/// examples, each property's summary its parameter text.
/// </summary>
public static class CmdletCatalog
{
    public const string AllSets = "__AllParameterSets";
    private const string Sma = "System.Management.Automation";

    public static IReadOnlyList<CmdletHelp> Load(string assemblyPath)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(assemblyPath))!;
        var local = Directory.GetFiles(folder, "*.dll");
        var localNames = local.Select(Path.GetFileName).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var paths = local.Concat(Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll").Where(p => !localNames.Contains(Path.GetFileName(p))));
        using var context = new MetadataLoadContext(new PathAssemblyResolver(paths), "System.Private.CoreLib");
        var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(assemblyPath));
        var docs = new DocComments(local.Select(p => Path.ChangeExtension(p, ".xml")).ToArray());

        return assembly.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsAbstract)
            .Select(t => (Type: t, Cmdlet: t.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == Sma + ".CmdletAttribute")))
            .Where(x => x.Cmdlet is not null)
            .Select(x => Describe(x.Type, x.Cmdlet!, docs))
            .OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    private static CmdletHelp Describe(Type type, CustomAttributeData cmdlet, DocComments docs)
    {
        string verb = (string)cmdlet.ConstructorArguments[0].Value!;
        string noun = (string)cmdlet.ConstructorArguments[1].Value!;
        bool shouldProcess = Named(cmdlet, "SupportsShouldProcess") is true;
        var doc = docs.Member("T:" + type.FullName);

        var parameters = new List<CmdletParameter>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        // Most derived first, so a property that hides a base one wins, and the base class's -Project, -Agent
        // and -Session come last, as they do in Get-Command's syntax.
        for (var t = type; t is not null && t.FullName != Sma + ".PSCmdlet"; t = t.BaseType)
        {
            foreach (var property in t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                var parameter = Parameter(property, docs);
                if (parameter is not null && seen.Add(parameter.Name)) parameters.Add(parameter);
            }
        }
        if (shouldProcess)
        {
            parameters.Add(ShouldProcessParameter("WhatIf", "wi", "Shows what would happen if the cmdlet runs, and changes nothing."));
            parameters.Add(ShouldProcessParameter("Confirm", "cf", "Prompts you for confirmation before running the cmdlet."));
        }

        var outputs = type.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == Sma + ".OutputTypeAttribute")
            .SelectMany(a => a.ConstructorArguments.SelectMany(Values))
            .OfType<Type>()
            .Select(t => t.FullName!)
            .Distinct()
            .Select(name => new CmdletOutput(name, DocComments.Paragraphs(docs.Member("T:" + name)?.Element("summary"))))
            .ToList();

        return new CmdletHelp
        {
            Name = verb + "-" + noun,
            Verb = verb,
            Noun = noun,
            ClassName = type.Name,
            Synopsis = DocComments.Paragraphs(doc?.Element("summary")),
            Description = DocComments.Paragraphs(doc?.Element("remarks")),
            Examples = (doc?.Elements("example") ?? Enumerable.Empty<XElement>()).Select(Example).ToList(),
            Parameters = parameters,
            Outputs = outputs,
            DefaultParameterSet = Named(cmdlet, "DefaultParameterSetName") as string,
        };
    }

    private static CmdletExample Example(XElement example)
    {
        string code = string.Join(Environment.NewLine, example.Elements("code").Select(DocComments.Code));
        var remarks = example.Nodes().Where(n => n is not XElement { Name.LocalName: "code" })
            .Aggregate(new XElement("remarks"), (acc, n) => { acc.Add(n); return acc; });
        return new CmdletExample(code, DocComments.Paragraphs(remarks));
    }

    private static CmdletParameter? Parameter(PropertyInfo property, DocComments docs)
    {
        var attributes = property.GetCustomAttributesData();
        var uses = attributes.Where(a => a.AttributeType.FullName == Sma + ".ParameterAttribute").Select(a => new ParameterSetUse(
            Named(a, "ParameterSetName") as string ?? AllSets,
            Named(a, "Mandatory") is true,
            Named(a, "Position") is int p && p >= 0 ? p : null,
            Named(a, "ValueFromPipeline") is true,
            Named(a, "ValueFromPipelineByPropertyName") is true)).ToList();
        if (uses.Count == 0) return null;

        var type = property.PropertyType;
        if (type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1") type = type.GetGenericArguments()[0];
        string member = "P:" + property.DeclaringType!.FullName + "." + property.Name;
        return new CmdletParameter
        {
            Name = property.Name,
            DeclaringType = property.DeclaringType.Name,
            TypeFullName = type.FullName ?? type.Name,
            TypeShortName = type.Name,
            IsSwitch = type.FullName == Sma + ".SwitchParameter",
            IsArray = type.IsArray,
            SupportsWildcards = attributes.Any(a => a.AttributeType.FullName == Sma + ".SupportsWildcardsAttribute"),
            Aliases = Strings(attributes, Sma + ".AliasAttribute"),
            ValidValues = Strings(attributes, Sma + ".ValidateSetAttribute"),
            Description = DocComments.Paragraphs(docs.Member(member)?.Element("summary")),
            Sets = uses,
        };
    }

    private static CmdletParameter ShouldProcessParameter(string name, string alias, string text) => new()
    {
        Name = name,
        DeclaringType = "PSCmdlet",
        TypeFullName = Sma + ".SwitchParameter",
        TypeShortName = "SwitchParameter",
        IsSwitch = true,
        Aliases = new[] { alias },
        Description = new[] { text },
        Sets = new[] { new ParameterSetUse(AllSets, false, null, false, false) },
        IsShouldProcess = true,
    };

    private static IReadOnlyList<string> Strings(IEnumerable<CustomAttributeData> attributes, string attributeType) =>
        attributes.Where(a => a.AttributeType.FullName == attributeType)
            .SelectMany(a => a.ConstructorArguments.SelectMany(Values))
            .OfType<string>()
            .ToList();

    private static IEnumerable<object?> Values(CustomAttributeTypedArgument argument) =>
        argument.Value is ReadOnlyCollection<CustomAttributeTypedArgument> items ? items.Select(i => i.Value) : new[] { argument.Value };

    private static object? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.Where(n => n.MemberName == name).Select(n => n.TypedValue.Value).FirstOrDefault();
}
