namespace Fastband.HelpGen;

/// <summary>What the help must have before it is written: every cmdlet a synopsis, a description and an example that
/// runs it; every parameter, inherited ones included, a text. Each problem names the cmdlet, the parameter and where
/// its doc comment goes.</summary>
public static class HelpCheck
{
    public static IReadOnlyList<string> Problems(IReadOnlyList<CmdletHelp> cmdlets)
    {
        var problems = new List<string>();
        if (cmdlets.Count == 0) problems.Add("no cmdlet found in the assembly.");
        foreach (var c in cmdlets)
        {
            if (c.Synopsis.Count == 0) problems.Add($"{c.Name}: no synopsis: add a /// <summary> to the class {c.ClassName}.");
            if (c.Description.Count == 0) problems.Add($"{c.Name}: no description: add a /// <remarks> to the class {c.ClassName}.");
            if (c.Examples.Count == 0) problems.Add($"{c.Name}: no example: add a /// <example> with a <code> and a <para> to the class {c.ClassName}.");
            for (int i = 0; i < c.Examples.Count; i++)
            {
                var e = c.Examples[i];
                if (!e.Code.Contains(c.Name, StringComparison.OrdinalIgnoreCase))
                    problems.Add($"{c.Name}: example {i + 1} has no <code> that runs {c.Name} (class {c.ClassName}).");
                if (e.Remarks.Count == 0)
                    problems.Add($"{c.Name}: example {i + 1} has no <para> saying what it does (class {c.ClassName}).");
            }
            foreach (var p in c.Parameters.Where(p => p.Description.Count == 0))
                problems.Add($"{c.Name}: parameter -{p.Name} has no text: add a /// <summary> to the property {p.DeclaringType}.{p.Name}.");
        }
        return problems;
    }
}
