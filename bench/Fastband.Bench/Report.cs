using System.Globalization;
using System.Text;

namespace Fastband.Bench;

/// <summary>Timings in milliseconds, summarised by nearest-rank percentiles.</summary>
public sealed class Samples
{
    private readonly List<double> _sorted;

    public Samples(IEnumerable<double> milliseconds)
    {
        _sorted = milliseconds.OrderBy(x => x).ToList();
        if (_sorted.Count == 0) throw new ArgumentException("no samples");
    }

    public int Count => _sorted.Count;
    public double Min => _sorted[0];
    public double Max => _sorted[^1];
    public double Mean => _sorted.Average();
    public double Median => Percentile(50);
    public double P95 => Percentile(95);
    public double P99 => Percentile(99);

    /// <summary>Nearest rank: the smallest sample with at least p% of the samples at or below it.</summary>
    public double Percentile(double p)
    {
        int rank = (int)Math.Ceiling(p / 100.0 * _sorted.Count);
        return _sorted[Math.Clamp(rank - 1, 0, _sorted.Count - 1)];
    }
}

public sealed record SummaryRow(string Measurement, string Ours, string Baseline, string Ratio, string Target, bool? Met);

/// <summary>Collects each measurement's section and the summary rows, and prints them as markdown.</summary>
public sealed class Report
{
    private readonly BenchContext _context;
    private readonly List<(string Title, string Body)> _sections = new();
    private readonly List<SummaryRow> _rows = new();

    public Report(BenchContext context) => _context = context;

    public List<string> Failures { get; } = new();

    private CpuMeter? _meter;
    private string? _quiet;

    /// <summary>Called before each measurement: waits for a quiet machine if asked (--quiet-wait), then starts the CPU meter.</summary>
    public void Begin(string name)
    {
        double wait = _context.Options.Double("quiet-wait", 0);
        _quiet = null;
        if (wait > 0)
        {
            double below = _context.Options.Double("quiet-below", 25);
            _context.Log($"{name}: waiting up to {wait:0} s for other processes to use under {below:0}% of the CPU");
            _quiet = CpuMeter.WaitForQuiet(TimeSpan.FromSeconds(wait), below);
            _context.Log($"{name}: {_quiet}");
        }
        _meter = CpuMeter.Start();
    }

    public void Section(string title, string body)
    {
        string load = _meter?.Describe() ?? "";
        if (_quiet is not null) load += $" Before it started the machine was {_quiet}.";
        _sections.Add((title, load.Length == 0 ? body : body.TrimEnd() + "\n\n" + load.Trim()));
        _meter = null;
    }
    public void Row(SummaryRow row) => _rows.Add(row);

    public void Fail(string message)
    {
        Failures.Add(message);
        _context.Log("FAILED: " + message);
    }

    public string ToMarkdown(bool summary)
    {
        var md = new StringBuilder();
        md.AppendLine("# Fastband.Bench results").AppendLine();
        md.Append(_context.DescribeMachine());
        md.AppendLine($"- total run time {_context.Elapsed.TotalSeconds:0} s").AppendLine();
        if (summary || _rows.Count > 0)
        {
            md.AppendLine("## Summary").AppendLine();
            md.AppendLine("| measurement | Fastband (SQLite, durable) | baseline (ops log: JSON rewrite, no fsync; locks: flock) | ratio | target | met |");
            md.AppendLine("| --- | ---: | ---: | ---: | --- | --- |");
            foreach (var r in _rows)
                md.AppendLine($"| {r.Measurement} | {r.Ours} | {r.Baseline} | {r.Ratio} | {r.Target} | {(r.Met is null ? "" : r.Met.Value ? "yes" : "**no**")} |");
            md.AppendLine();
        }
        foreach (var (title, body) in _sections)
        {
            md.AppendLine($"## {title}").AppendLine();
            md.AppendLine(body.TrimEnd()).AppendLine();
        }
        if (Failures.Count > 0)
        {
            md.AppendLine("## Failures").AppendLine();
            foreach (var f in Failures) md.AppendLine($"- {f}");
            md.AppendLine();
        }
        return md.ToString();
    }
}

public static class Fmt
{
    public static string Rate(double perSecond) => perSecond >= 100
        ? perSecond.ToString("N0", CultureInfo.InvariantCulture) + "/s"
        : perSecond.ToString("0.0", CultureInfo.InvariantCulture) + "/s";

    public static string Ms(double ms) => ms switch
    {
        >= 1000 => ms.ToString("N0", CultureInfo.InvariantCulture) + " ms",
        >= 10 => ms.ToString("0.0", CultureInfo.InvariantCulture) + " ms",
        _ => ms.ToString("0.00", CultureInfo.InvariantCulture) + " ms",
    };

    public static string Ratio(double x) => x >= 10
        ? x.ToString("N0", CultureInfo.InvariantCulture) + "x"
        : x.ToString("0.0#", CultureInfo.InvariantCulture) + "x";

    public static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Bytes(long bytes) => bytes >= 1 << 20
        ? (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB"
        : (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB";
}
