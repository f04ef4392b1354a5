using System.Diagnostics;
using System.IO.Compression;
using Fastband.Core.Events;
using Fastband.Core.Health;
using Fastband.Core.Leader;
using Xunit;
using Xunit.Abstractions;

namespace Fastband.Core.Tests.Health;

/// <summary>
/// The dashboard rendered by a real headless Chromium (Debian's chromium, installed by tests/browser/ensure-chromium.sh):
/// the screenshot must show the healthy and dead colours, and the page text the agents, the leader and the escaped errors.
/// </summary>
public sealed class DashboardBrowserTests : ProjectTest
{
    private readonly ITestOutputHelper _output;

    public DashboardBrowserTests(ITestOutputHelper output) => _output = output;

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Fastband.PowerShell.sln"))) return d.FullName;
        throw new InvalidOperationException("the repository root was not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The browser's path, or a failure that says why there is none.</summary>
    private string Browser()
    {
        var (code, stdout, stderr) = Run("bash", new[] { Path.Combine(RepoRoot(), "tests", "browser", "ensure-chromium.sh") });
        if (code != 0) Assert.Fail($"headless Chromium is not available, so the dashboard could not be rendered: {stderr.Trim()}");
        return stdout.Trim().Split('\n')[^1];
    }

    private static (int Code, string Stdout, string Stderr) Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var r = ChildProcess.Run(psi, TimeSpan.FromMinutes(10)); // ensure-chromium.sh may download it
        return (r.ExitCode, r.Stdout, r.Stderr);
    }

    private string[] Headless(string profile) => new[]
    {
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
        "--force-color-profile=srgb", $"--user-data-dir={profile}",
    };

    private HealthReport Report(bool withTrouble)
    {
        var orch = As("orch");
        orch.Leader.Campaign();
        if (withTrouble)
        {
            As("gone").Leader.Beat();
            Clock.Advance(TimeSpan.FromMinutes(10));
            As("slow").Leader.Beat();
            Clock.Advance(TimeSpan.FromSeconds(45));
        }
        orch.Leader.Beat(HeartbeatRole.Orchestrator);
        As("alive").Leader.Beat();
        var viewer = As("viewer");
        if (withTrouble)
            viewer.Health.ErrorsSince = (_, _) => new[] { new EventNotice(3, 2, "slow", "error", "<script>alert(1)</script> lock on events.log failed", Clock.GetUtcNow()) };
        var report = viewer.Health.Run();
        Assert.Equal(withTrouble ? HealthState.Unhealthy : HealthState.Healthy, report.State);
        return report;
    }

    private (Dictionary<string, int> Pixels, string Dom) Render(HealthReport report, string name)
    {
        string browser = Browser();
        string html = Path.Combine(Dir.Root, name + ".html"), png = Path.Combine(Dir.Root, name + ".png");
        HealthDashboard.Write(report, html);
        string url = new Uri(html).AbsoluteUri;
        var shot = Run(browser, Headless(Path.Combine(Dir.Root, "profile-" + name)).Concat(new[] { $"--screenshot={png}", "--window-size=1200,1400", url }));
        Assert.True(File.Exists(png), $"chromium wrote no screenshot (exit {shot.Code}): {shot.Stderr}");
        var dump = Run(browser, Headless(Path.Combine(Dir.Root, "profile-" + name)).Concat(new[] { "--dump-dom", url }));
        Assert.True(dump.Code == 0, $"chromium --dump-dom failed: {dump.Stderr}");
        var counts = CountColours(Png.Decode(File.ReadAllBytes(png)),
            (HealthDashboard.HealthyColor, "healthy"), (HealthDashboard.LateColor, "late"), (HealthDashboard.DeadColor, "dead"));
        _output.WriteLine($"{name}: " + string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value} px")));
        return (counts, dump.Stdout);
    }

    [Fact]
    public void The_dashboard_shows_healthy_late_and_dead_in_their_colours_and_the_escaped_errors_as_text()
    {
        var (pixels, dom) = Render(Report(withTrouble: true), "trouble");
        Assert.True(pixels["healthy"] > 500, "no healthy green in the screenshot");
        Assert.True(pixels["late"] > 500, "no late amber in the screenshot");
        Assert.True(pixels["dead"] > 500, "no dead red in the screenshot");
        Assert.Contains("Fastband health", dom);
        Assert.Contains("gone", dom);
        Assert.Contains(">dead<", dom);
        Assert.Contains(">late<", dom);
        Assert.Contains("term 1", dom);
        // The error text arrives as text: the browser saw no script element and no alert ran.
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; lock on events.log failed", dom);
        Assert.DoesNotContain("<script", dom);
    }

    [Fact]
    public void A_healthy_project_shows_no_dead_red_so_the_colour_check_can_fail()
    {
        var (pixels, dom) = Render(Report(withTrouble: false), "healthy");
        Assert.True(pixels["healthy"] > 500, "no healthy green in the screenshot");
        Assert.Equal(0, pixels["dead"]);
        Assert.Contains("No recent errors.", dom);
        Assert.DoesNotContain(">dead<", dom);
    }

    private static Dictionary<string, int> CountColours((int Width, int Height, byte[] Rgb) image, params (string Hex, string Name)[] colours)
    {
        var counts = colours.ToDictionary(c => c.Name, _ => 0);
        var targets = colours.Select(c => (c.Name, R: Convert.ToInt32(c.Hex[1..3], 16), G: Convert.ToInt32(c.Hex[3..5], 16), B: Convert.ToInt32(c.Hex[5..7], 16))).ToArray();
        for (int i = 0; i < image.Rgb.Length; i += 3)
            foreach (var t in targets)
                if (Math.Abs(image.Rgb[i] - t.R) <= 3 && Math.Abs(image.Rgb[i + 1] - t.G) <= 3 && Math.Abs(image.Rgb[i + 2] - t.B) <= 3)
                    counts[t.Name]++;
        return counts;
    }
}

/// <summary>A minimal PNG reader (8-bit RGB or RGBA, not interlaced): enough for Chromium's screenshots.</summary>
internal static class Png
{
    public static (int Width, int Height, byte[] Rgb) Decode(byte[] file)
    {
        Assert.True(file.Length > 8 && file[1] == 'P' && file[2] == 'N' && file[3] == 'G', "the screenshot is not a PNG");
        int pos = 8, width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        while (pos < file.Length)
        {
            int length = (file[pos] << 24) | (file[pos + 1] << 16) | (file[pos + 2] << 8) | file[pos + 3];
            string type = System.Text.Encoding.ASCII.GetString(file, pos + 4, 4);
            int data = pos + 8;
            if (type == "IHDR")
            {
                width = (file[data] << 24) | (file[data + 1] << 16) | (file[data + 2] << 8) | file[data + 3];
                height = (file[data + 4] << 24) | (file[data + 5] << 16) | (file[data + 6] << 8) | file[data + 7];
                Assert.Equal(8, file[data + 8]);
                channels = file[data + 9] switch { 2 => 3, 6 => 4, var t => throw new NotSupportedException($"PNG colour type {t}") };
                Assert.Equal(0, file[data + 12]);
            }
            else if (type == "IDAT") idat.Write(file, data, length);
            else if (type == "IEND") break;
            pos = data + length + 4;
        }
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        byte[] bytes = raw.ToArray();
        int stride = width * channels;
        var current = new byte[stride];
        var previous = new byte[stride];
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            int row = y * (stride + 1);
            byte filter = bytes[row];
            for (int x = 0; x < stride; x++)
            {
                int a = x >= channels ? current[x - channels] : 0, b = previous[x], c = x >= channels ? previous[x - channels] : 0;
                int v = bytes[row + 1 + x];
                current[x] = (byte)(filter switch
                {
                    0 => v,
                    1 => v + a,
                    2 => v + b,
                    3 => v + ((a + b) >> 1),
                    4 => v + Paeth(a, b, c),
                    _ => throw new NotSupportedException($"PNG filter {filter}"),
                });
            }
            for (int x = 0; x < width; x++)
            {
                rgb[(y * width + x) * 3] = current[x * channels];
                rgb[(y * width + x) * 3 + 1] = current[x * channels + 1];
                rgb[(y * width + x) * 3 + 2] = current[x * channels + 2];
            }
            (previous, current) = (current, previous);
        }
        return (width, height, rgb);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
