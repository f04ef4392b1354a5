using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Fastband.HelpGen;

/// <summary>An assembly's XML doc file, by member id (T:Namespace.Type, P:Namespace.Type.Property), rendered as plain text.</summary>
public sealed class DocComments
{
    private readonly Dictionary<string, XElement> _members = new(StringComparer.Ordinal);

    public DocComments(params string[] xmlPaths)
    {
        foreach (string path in xmlPaths.Where(File.Exists))
        {
            foreach (var member in XDocument.Load(path, LoadOptions.PreserveWhitespace).Descendants("member"))
            {
                string? name = (string?)member.Attribute("name");
                if (name is not null) _members[name] = member;
            }
        }
    }

    public XElement? Member(string id) => _members.GetValueOrDefault(id);

    /// <summary>The paragraphs of an element: text runs joined and their whitespace collapsed; each &lt;para&gt; its own.</summary>
    public static IReadOnlyList<string> Paragraphs(XElement? element)
    {
        var paragraphs = new List<string>();
        if (element is null) return paragraphs;
        var current = new StringBuilder();
        void Flush()
        {
            string text = Collapse(current.ToString());
            if (text.Length > 0) paragraphs.Add(text);
            current.Clear();
        }
        foreach (var node in element.Nodes())
        {
            if (node is XElement { Name.LocalName: "para" } para)
            {
                Flush();
                paragraphs.AddRange(Paragraphs(para));
            }
            else if (node is XElement { Name.LocalName: "code" } code)
            {
                Flush();
                paragraphs.Add(Code(code));
            }
            else
            {
                current.Append(Inline(node));
            }
        }
        Flush();
        return paragraphs;
    }

    public static string Text(XElement? element) => string.Join(Environment.NewLine + Environment.NewLine, Paragraphs(element));

    /// <summary>A &lt;code&gt; block as written: lines kept, the indentation they share removed.</summary>
    public static string Code(XElement code)
    {
        var lines = code.Value.Replace("\r\n", "\n").Split('\n').ToList();
        while (lines.Count > 0 && lines[0].Trim().Length == 0) lines.RemoveAt(0);
        while (lines.Count > 0 && lines[^1].Trim().Length == 0) lines.RemoveAt(lines.Count - 1);
        int indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join(Environment.NewLine, lines.Select(l => l.Length >= indent ? l[indent..].TrimEnd() : l.Trim()));
    }

    private static string Inline(XNode node) => node switch
    {
        XText text => text.Value,
        XElement { Name.LocalName: "see" or "seealso" } see => SeeText(see),
        XElement { Name.LocalName: "paramref" or "typeparamref" } r => (string?)r.Attribute("name") ?? "",
        XElement e => string.Concat(e.Nodes().Select(Inline)),
        _ => "",
    };

    private static string SeeText(XElement see)
    {
        if (see.Value.Length > 0) return see.Value;
        if ((string?)see.Attribute("langword") is { } word) return word is "true" or "false" or "null" ? "$" + word : word;
        string cref = (string?)see.Attribute("cref") ?? (string?)see.Attribute("href") ?? "";
        int colon = cref.IndexOf(':');
        if (colon >= 0) cref = cref[(colon + 1)..];
        int paren = cref.IndexOf('(');
        if (paren >= 0) cref = cref[..paren];
        return cref[(cref.LastIndexOf('.') + 1)..];
    }

    private static string Collapse(string text) => Regex.Replace(text, @"\s+", " ").Trim();
}
