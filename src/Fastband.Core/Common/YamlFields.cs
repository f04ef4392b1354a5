using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Fastband.Core;

/// <summary>
/// Reading a settings file's YAML field by field from the parsed node tree, without the reflection-based
/// deserializer (the CLI is compiled ahead of time): each value is checked against the type its field needs, and a
/// wrong one is refused with the file, the line and the field.
/// </summary>
internal readonly struct YamlFields(string path, string field, YamlNode value, long line)
{
    private const string Fix = "fix it (every field is listed in the README) and nothing was backed up.";

    /// <summary>The keys of a map with their values and lines; a plain empty document or value is no map at all.</summary>
    public static IEnumerable<(string Name, YamlNode Value, long Line)> Map(YamlNode node, string path, string what)
    {
        if (node is not YamlMappingNode map)
            throw new InvalidInputException("InvalidBackupConfig", $"{path}, line {node.Start.Line}: {what} must be a map of fields (name: value); {Fix}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            string name = (key as YamlScalarNode)?.Value
                ?? throw new InvalidInputException("InvalidBackupConfig", $"{path}, line {key.Start.Line}: a field name must be a plain word; {Fix}");
            if (!seen.Add(name))
                throw new InvalidInputException("InvalidBackupConfig", $"{path}, line {key.Start.Line}: '{name}' is set twice; keep one and nothing was backed up.");
            if (IsNull(value)) continue; // an empty value keeps the field's default
            yield return (name, value, key.Start.Line);
        }
    }

    /// <summary>An empty value, <c>~</c> or <c>null</c> written plainly.</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted) } s
        && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    public bool Bool() => Scalar("true or false") switch
    {
        "true" or "True" or "TRUE" or "yes" or "Yes" or "on" or "On" => true,
        "false" or "False" or "FALSE" or "no" or "No" or "off" or "Off" => false,
        _ => throw Wrong("true or false"),
    };

    public int Int() =>
        int.TryParse(Scalar("a whole number"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) ? n : throw Wrong("a whole number");

    public string String() => Scalar("a single value");

    /// <summary>A list of values (<c>[a, b]</c> or one <c>- item</c> per line); one plain value counts as a list of one.</summary>
    public List<string> Strings()
    {
        if (value is YamlScalarNode) return new List<string> { String() };
        if (value is not YamlSequenceNode list) throw Wrong("a list of values");
        var items = new List<string>();
        foreach (var item in list.Children)
            items.Add(item is YamlScalarNode { Value: { } v } ? v : throw new YamlFields(path, field, item, line).Wrong("a list of plain values"));
        return items;
    }

    public InvalidInputException Unknown(string fields) =>
        new("InvalidBackupConfig", $"{path}, line {line}: '{field}' is not a field here (the fields are {fields}); {Fix}");

    private string Scalar(string expected) => value is YamlScalarNode { Value: { } v } ? v : throw Wrong(expected);

    private InvalidInputException Wrong(string expected) =>
        new("InvalidBackupConfig", $"{path}, line {value.Start.Line}: {field} must be {expected}; {Fix}");
}
