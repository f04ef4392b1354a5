using System.Text;
using System.Xml;

namespace Fastband.HelpGen;

/// <summary>Writes the MAML that Get-Help reads for a binary module (&lt;Assembly&gt;.dll-Help.xml, the command:command schema).</summary>
public static class MamlWriter
{
    private const string Msh = "http://msh";
    private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
    private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static void Write(IReadOnlyList<CmdletHelp> cmdlets, IReadOnlyList<string> relatedTopics, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using var w = XmlWriter.Create(path, settings);
        w.WriteStartDocument();
        w.WriteStartElement("helpItems", Msh);
        w.WriteAttributeString("schema", "maml");
        foreach (var c in cmdlets) WriteCommand(w, c, relatedTopics);
        w.WriteEndElement();
        w.WriteEndDocument();
    }

    private static void WriteCommand(XmlWriter w, CmdletHelp c, IReadOnlyList<string> relatedTopics)
    {
        w.WriteStartElement("command", "command", Command);
        w.WriteAttributeString("xmlns", "maml", null, Maml);
        w.WriteAttributeString("xmlns", "command", null, Command);
        w.WriteAttributeString("xmlns", "dev", null, Dev);

        w.WriteStartElement("command", "details", Command);
        w.WriteElementString("command", "name", Command, c.Name);
        w.WriteElementString("command", "verb", Command, c.Verb);
        w.WriteElementString("command", "noun", Command, c.Noun);
        Description(w, c.Synopsis);
        w.WriteEndElement();

        Description(w, c.Description);

        w.WriteStartElement("command", "syntax", Command);
        foreach (string set in c.ParameterSets)
        {
            w.WriteStartElement("command", "syntaxItem", Command);
            w.WriteElementString("maml", "name", Maml, c.Name);
            foreach (var p in Ordered(c.Parameters.Where(p => p.In(set) is not null), set))
                Parameter(w, p, p.In(set)!, inSyntax: true);
            w.WriteEndElement();
        }
        w.WriteEndElement();

        w.WriteStartElement("command", "parameters", Command);
        foreach (var p in c.Parameters.OrderBy(p => p.IsShouldProcess).ThenBy(p => p.Name, StringComparer.OrdinalIgnoreCase))
            Parameter(w, p, p.Sets.OrderByDescending(s => s.Mandatory).First(), inSyntax: false);
        w.WriteEndElement();

        w.WriteStartElement("command", "inputTypes", Command);
        var byValue = c.Parameters.Where(p => p.Sets.Any(s => s.ByValue)).ToList();
        var byName = c.Parameters.Where(p => p.Sets.Any(s => s.ByPropertyName)).ToList();
        foreach (var p in byValue)
            TypeEntry(w, "inputType", p.TypeFullName, new[] { $"You can pipe a {p.TypeShortName} to -{p.Name}." });
        if (byName.Count > 0)
            TypeEntry(w, "inputType", "System.Management.Automation.PSObject", new[]
            {
                "Objects whose properties bind by name: " + string.Join(", ", byName.Select(p =>
                    p.Aliases.Count == 0 ? p.Name : $"{p.Name} (or {string.Join(", ", p.Aliases)})")) + ".",
            });
        if (byValue.Count == 0 && byName.Count == 0) TypeEntry(w, "inputType", "None", new[] { "This cmdlet takes no pipeline input." });
        w.WriteEndElement();

        w.WriteStartElement("command", "returnValues", Command);
        foreach (var o in c.Outputs) TypeEntry(w, "returnValue", o.TypeFullName, o.Description);
        w.WriteEndElement();

        w.WriteStartElement("command", "examples", Command);
        for (int i = 0; i < c.Examples.Count; i++)
        {
            var e = c.Examples[i];
            w.WriteStartElement("command", "example", Command);
            w.WriteElementString("maml", "title", Maml, $"-------------------------- Example {i + 1} --------------------------");
            w.WriteElementString("dev", "code", Dev, e.Code);
            w.WriteStartElement("dev", "remarks", Dev);
            foreach (string para in e.Remarks) w.WriteElementString("maml", "para", Maml, para);
            w.WriteEndElement();
            w.WriteEndElement();
        }
        w.WriteEndElement();

        w.WriteStartElement("command", "relatedLinks", Command);
        foreach (string topic in relatedTopics)
        {
            w.WriteStartElement("maml", "navigationLink", Maml);
            w.WriteElementString("maml", "linkText", Maml, topic);
            w.WriteElementString("maml", "uri", Maml, "");
            w.WriteEndElement();
        }
        w.WriteEndElement();

        w.WriteEndElement();
    }

    /// <summary>As PowerShell lists them: positional ones by position, then the mandatory named ones, then the rest, -WhatIf and -Confirm last.</summary>
    private static IEnumerable<CmdletParameter> Ordered(IEnumerable<CmdletParameter> parameters, string set) =>
        parameters.Select((p, i) => (p, i, use: p.In(set)!))
            .OrderBy(x => x.p.IsShouldProcess)
            .ThenBy(x => x.use.Position is null ? 1 : 0)
            .ThenBy(x => x.use.Position ?? 0)
            .ThenBy(x => x.use.Mandatory ? 0 : 1)
            .ThenBy(x => x.i)
            .Select(x => x.p);

    private static void Parameter(XmlWriter w, CmdletParameter p, ParameterSetUse use, bool inSyntax)
    {
        w.WriteStartElement("command", "parameter", Command);
        w.WriteAttributeString("required", use.Mandatory ? "true" : "false");
        w.WriteAttributeString("variableLength", p.IsArray ? "true" : "false");
        w.WriteAttributeString("globbing", p.SupportsWildcards ? "true" : "false");
        w.WriteAttributeString("pipelineInput", PipelineInput(p, inSyntax ? new[] { use } : p.Sets));
        w.WriteAttributeString("position", use.Position?.ToString() ?? "named");
        w.WriteAttributeString("aliases", p.Aliases.Count == 0 ? "none" : string.Join(", ", p.Aliases));
        w.WriteElementString("maml", "name", Maml, p.Name);
        Description(w, p.Description);
        if (inSyntax && p.ValidValues.Count > 0)
        {
            ValidValues(w, p);
        }
        else if (!p.IsSwitch)
        {
            w.WriteStartElement("command", "parameterValue", Command);
            w.WriteAttributeString("required", "true");
            w.WriteAttributeString("variableLength", p.IsArray ? "true" : "false");
            w.WriteString(p.TypeShortName);
            w.WriteEndElement();
        }
        w.WriteStartElement("dev", "type", Dev);
        w.WriteElementString("maml", "name", Maml, p.TypeFullName);
        w.WriteElementString("maml", "uri", Maml, "");
        w.WriteEndElement();
        w.WriteElementString("dev", "defaultValue", Dev, p.IsSwitch ? "False" : "None");
        if (!inSyntax && p.ValidValues.Count > 0) ValidValues(w, p);
        w.WriteEndElement();
    }

    /// <summary>A ValidateSet's values, as the parameterValueGroup Get-Help lists.</summary>
    private static void ValidValues(XmlWriter w, CmdletParameter p)
    {
        w.WriteStartElement("command", "parameterValueGroup", Command);
        foreach (string value in p.ValidValues)
        {
            w.WriteStartElement("command", "parameterValue", Command);
            w.WriteAttributeString("required", "false");
            w.WriteAttributeString("variableLength", "false");
            w.WriteString(value);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static string PipelineInput(CmdletParameter p, IEnumerable<ParameterSetUse> uses)
    {
        var list = uses.ToList();
        var kinds = new List<string>();
        if (list.Any(u => u.ByValue)) kinds.Add("ByValue");
        if (list.Any(u => u.ByPropertyName)) kinds.Add("ByPropertyName");
        return kinds.Count == 0 ? "False" : $"True ({string.Join(", ", kinds)})";
    }

    private static void TypeEntry(XmlWriter w, string element, string typeName, IReadOnlyList<string> description)
    {
        w.WriteStartElement("command", element, Command);
        w.WriteStartElement("dev", "type", Dev);
        w.WriteElementString("maml", "name", Maml, typeName);
        w.WriteElementString("maml", "uri", Maml, "");
        w.WriteEndElement();
        Description(w, description);
        w.WriteEndElement();
    }

    private static void Description(XmlWriter w, IReadOnlyList<string> paragraphs)
    {
        w.WriteStartElement("maml", "description", Maml);
        foreach (string para in paragraphs) w.WriteElementString("maml", "para", Maml, para);
        w.WriteEndElement();
    }
}
