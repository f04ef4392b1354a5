using Fastband.HelpGen;

// Usage: Fastband.HelpGen <Fastband.PowerShell.dll> <out: ...dll-Help.xml> [about topic folder]
// Exit 0 written; 1 help is missing (each gap is named on stderr, nothing is written); 2 bad usage.
if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: Fastband.HelpGen ASSEMBLY OUTPUT.xml [ABOUT_TOPIC_FOLDER]");
    return 2;
}
string assembly = args[0], output = args[1];
if (!File.Exists(assembly) || !File.Exists(Path.ChangeExtension(assembly, ".xml")))
{
    Console.Error.WriteLine($"help: {assembly} or its XML doc file is missing: build with GenerateDocumentationFile on.");
    return 2;
}
var cmdlets = CmdletCatalog.Load(assembly);
var problems = HelpCheck.Problems(cmdlets);
if (problems.Count > 0)
{
    foreach (string problem in problems) Console.Error.WriteLine("help: " + problem);
    Console.Error.WriteLine($"help: {problems.Count} gap(s) in the cmdlet doc comments; the help was not written.");
    return 1;
}
// Every cmdlet's help links to the about topics shipped beside it.
var topics = args.Length == 3 && Directory.Exists(args[2])
    ? Directory.GetFiles(args[2], "about_*.help.txt").Select(f => Path.GetFileName(f)[..^".help.txt".Length]).Order(StringComparer.Ordinal).ToArray()
    : Array.Empty<string>();
MamlWriter.Write(cmdlets, topics, output);
Console.WriteLine($"help: {cmdlets.Count} cmdlets written to {output}.");
return 0;
