using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.Bench;

/// <summary>
/// The interaction event log against the seed's own scripts (bench/baseline/seed002, quoting repaired so they
/// run), in one run: the snapshot of 100k events in 1,000 interactions (target at most 1 s) against
/// generate_snapshot.sh with jq (capped, then projected; and in full on 10k events in 100 interactions); the import
/// of 100k seed lines (and the idempotent re-import); events appended per second by 8 processes against 8
/// processes calling the seed's log_event.sh.
/// </summary>
public static class EventBench
{
    private static readonly string[] Types = { "question", "answer", "followup", "heartbeat" };

    public static void Run(BenchContext context, Report report)
    {
        int events = context.Options.Int("event-count", 100_000);
        int interactions = context.Options.Int("event-interactions", 1_000);
        int runs = context.Options.Int("event-runs", 5);
        double cap = context.Options.Double("baseline-cap-seconds", 90);
        string scripts = Path.Combine(context.RepoRoot ?? throw new InvalidOperationException("the repository root was not found: pass --repo"), "bench", "baseline", "seed002");
        var body = new StringBuilder();

        // 1. Import 100k seed lines into a new project, then the same file again (nothing to add).
        string root = context.NewDirectory("events-big");
        string log = Path.Combine(root, "events.log");
        long logBytes = Generate(log, events, interactions);
        context.Log($"events: generated {events:N0} events in {interactions:N0} interactions ({Fmt.Bytes(logBytes)})");
        double importMs, reimportMs;
        using (var project = Open(root))
        {
            var sw = Stopwatch.StartNew();
            var r = project.Events.Import(log);
            importMs = sw.Elapsed.TotalMilliseconds;
            if (r.Imported != events) report.Fail($"events: import took {r.Imported} of {events} lines");
            sw.Restart();
            var again = project.Events.Import(log);
            reimportMs = sw.Elapsed.TotalMilliseconds;
            if (again.Imported != 0) report.Fail($"events: the re-import added {again.Imported} events");
        }

        // 2. Snapshot of all of them: forced writes (files deleted before each run), then an unchanged run.
        var (ours, unchanged) = Snapshots(root, runs, report);
        context.Log($"events: snapshot of {events:N0} events median {ours.Median:F0} ms");

        // 3. The seed's generate_snapshot.sh on the same events.log, stopped at the cap and projected from its pace.
        string seedDir = context.NewDirectory("events-seed-big");
        File.Copy(log, Path.Combine(seedDir, "events.log"));
        var (seedMs, seedDone, finished) = RunSeedSnapshot(scripts, seedDir, TimeSpan.FromSeconds(cap));
        double projected = finished ? seedMs : seedMs / Math.Max(1, seedDone) * (interactions - 3);
        context.Log($"events: seed script archived {seedDone} of {interactions - 3} interactions in {seedMs / 1000:F0} s");

        // 4. Both in full on a tenth: 10k events in 100 interactions.
        int smallEvents = events / 10, smallInteractions = interactions / 10;
        string small = context.NewDirectory("events-small");
        Generate(Path.Combine(small, "events.log"), smallEvents, smallInteractions);
        using (var project = Open(small)) project.Events.Import(Path.Combine(small, "events.log"));
        var (oursSmall, _) = Snapshots(small, runs, report);
        string seedSmall = context.NewDirectory("events-seed-small");
        File.Copy(Path.Combine(small, "events.log"), Path.Combine(seedSmall, "events.log"));
        var (seedSmallMs, seedSmallDone, seedSmallFinished) = RunSeedSnapshot(scripts, seedSmall, TimeSpan.FromSeconds(cap * 4));
        if (!seedSmallFinished) report.Fail($"events: the seed script did not finish {smallEvents} events within {cap * 4:0} s ({seedSmallDone} interactions archived)");

        // 5. Events appended per second by 8 processes: ours (EventService.Log) and the seed's log_event.sh.
        int workers = context.Options.Int("event-workers", 8);
        int perWorker = context.Options.Int("event-appends", 500);
        int seedPerWorker = context.Options.Int("event-seed-appends", 50);
        var (oursRate, oursWindow, oursOk) = AppendRace(context, workers, perWorker);
        if (!oursOk) report.Fail("events: the 8-process append race lost or doubled events");
        var (seedRate, seedWindow, seedLines) = SeedAppendRace(context, scripts, workers, seedPerWorker);
        if (seedLines != workers * seedPerWorker) report.Fail($"events: the seed's log_event.sh wrote {seedLines} of {workers * seedPerWorker} lines");

        body.AppendLine($"{Fmt.N(events)} events in {Fmt.N(interactions)} interactions ({Fmt.Bytes(logBytes)} of seed JSON Lines); median of {runs} runs where there are several.").AppendLine();
        body.AppendLine("| measurement | Fastband | seed scripts (jq, flock) | ratio | target | met |");
        body.AppendLine("| --- | ---: | ---: | ---: | --- | --- |");
        string seedBig = finished
            ? Fmt.Ms(seedMs)
            : $"stopped after {seedMs / 1000:0} s with {seedDone} of {interactions - 3} interactions archived; projected {projected / 1000:0} s";
        bool met = ours.Median <= 1000;
        body.AppendLine($"| snapshot, {Fmt.N(events)} events / {Fmt.N(interactions)} interactions (files rewritten; max) | {Fmt.Ms(ours.Median)} (max {Fmt.Ms(ours.Max)}) | {seedBig} | {Fmt.Ratio(projected / ours.Median)} faster | ≤ 1 s | {(met ? "yes" : "**no**")} |");
        body.AppendLine($"| snapshot, same events, nothing changed | {Fmt.Ms(unchanged.Median)} | (always rewrites; appends archive.md again) | | | |");
        body.AppendLine($"| snapshot, {Fmt.N(smallEvents)} events / {Fmt.N(smallInteractions)} interactions, both in full | {Fmt.Ms(oursSmall.Median)} | {Fmt.Ms(seedSmallMs)} | {Fmt.Ratio(seedSmallMs / oursSmall.Median)} faster | | |");
        body.AppendLine($"| import {Fmt.N(events)} seed lines (one run) | {Fmt.Ms(importMs)} ({Fmt.Rate(events / (importMs / 1000))}) | | | | |");
        body.AppendLine($"| re-import of the same file (adds nothing) | {Fmt.Ms(reimportMs)} | | | | |");
        body.AppendLine($"| events appended by {workers} processes at once | {Fmt.Rate(oursRate)} ({workers} x {perWorker} in {Fmt.Ms(oursWindow)}, fsync per event) | {Fmt.Rate(seedRate)} ({workers} x {seedPerWorker} in {Fmt.Ms(seedWindow)}, no fsync) | {Fmt.Ratio(oursRate / seedRate)} | | |");
        report.Section("Events and snapshots", body.ToString());
        report.Row(new SummaryRow($"event snapshot, {Fmt.N(events)} events", Fmt.Ms(ours.Median), finished ? Fmt.Ms(seedMs) : $"~{projected / 1000:0} s (projected)", Fmt.Ratio(projected / ours.Median), "≤ 1 s", met));
        report.Row(new SummaryRow($"event appends, {workers} processes", Fmt.Rate(oursRate), Fmt.Rate(seedRate), Fmt.Ratio(oursRate / seedRate), "", null));
    }

    private static FastbandProject Open(string root) =>
        FastbandProject.Open(new ProjectOptions { ProjectPath = root, Agent = "bench", Environment = _ => null });

    /// <summary>The seed's JSON Lines: interaction i holds events/interactions events of the four seed types, two actors.</summary>
    private static long Generate(string path, int events, int interactions)
    {
        int per = events / interactions;
        var start = new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
        using var f = new StreamWriter(path, false, new UTF8Encoding(false)) { NewLine = "\n" };
        for (int n = 0; n < events; n++)
        {
            int i = n / per + 1;
            f.WriteLine(JsonSerializer.Serialize(new
            {
                interaction = i,
                actor = n % 2 == 0 ? "Agent A" : "Agent B",
                type = Types[n % 4],
                content = $"Event {n} of interaction {i}: a sentence or two of what was asked, answered or reported.",
                timestamp = (start + TimeSpan.FromSeconds(n)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
            }));
        }
        f.Flush();
        return f.BaseStream.Length;
    }

    private static (Samples Forced, Samples Unchanged) Snapshots(string root, int runs, Report report)
    {
        var forced = new List<double>();
        var unchanged = new List<double>();
        using var project = Open(root);
        for (int r = 0; r < runs; r++)
        {
            foreach (var f in new[] { "communication.md", "communication.md.bak", "archive.md" }) File.Delete(Path.Combine(root, f));
            var sw = Stopwatch.StartNew();
            var result = project.Events.WriteTranscript();
            forced.Add(sw.Elapsed.TotalMilliseconds);
            if (!result.Changed) report.Fail("events: a forced snapshot wrote nothing");
            sw.Restart();
            if (project.Events.WriteTranscript().Changed) report.Fail("events: an unchanged snapshot rewrote its files");
            unchanged.Add(sw.Elapsed.TotalMilliseconds);
        }
        return (new Samples(forced), new Samples(unchanged));
    }

    /// <summary>Runs the seed's script in <paramref name="dir"/>; stops it at the cap. Returns the time, the archived interactions, and whether it finished.</summary>
    private static (double Ms, int Archived, bool Finished) RunSeedSnapshot(string scripts, string dir, TimeSpan cap)
    {
        var psi = new ProcessStartInfo("bash") { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(Path.Combine(scripts, "generate_snapshot.sh"));
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        bool finished = p.WaitForExit(cap);
        double ms = sw.Elapsed.TotalMilliseconds;
        if (!finished)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
        string archive = Path.Combine(dir, "archive.md");
        int archived = File.Exists(archive) ? File.ReadLines(archive).Count(l => l.StartsWith("## Interaction #", StringComparison.Ordinal)) : 0;
        return (ms, archived, finished && p.ExitCode == 0);
    }

    private static (double Rate, double WindowMs, bool Ok) AppendRace(BenchContext context, int workers, int perWorker)
    {
        string shared = context.NewDirectory("events-race");
        using (Open(shared)) { }
        var processes = Enumerable.Range(0, workers).Select(w =>
        {
            var psi = MultiProcessBench.SelfStartInfo();
            foreach (var a in new[] { "eventworker", "--project", shared, "--worker", w.ToString(), "--count", perWorker.ToString(), "--scratch", context.NewDirectory($"events-warm-{w}") })
                psi.ArgumentList.Add(a);
            psi.RedirectStandardInput = psi.RedirectStandardOutput = true;
            return Process.Start(psi)!;
        }).ToList();
        foreach (var p in processes)
            if (p.StandardOutput.ReadLine() != "ready") throw new InvalidOperationException("an event worker did not start");
        foreach (var p in processes) p.StandardInput.WriteLine("go");
        var windows = processes.Select(p =>
        {
            var parts = p.StandardOutput.ReadLine()!.Split(' ');
            p.WaitForExit();
            p.Dispose();
            return (Start: long.Parse(parts[0]), End: long.Parse(parts[1]));
        }).ToList();
        double windowMs = (windows.Max(w => w.End) - windows.Min(w => w.Start)) / (double)TimeSpan.TicksPerMillisecond;
        using var check = Open(shared);
        var stored = check.Events.Read(new EventQuery());
        bool ok = stored.Count == workers * perWorker && stored.Select(e => e.Content).Distinct().Count() == stored.Count
                  && windows.Max(w => w.Start) < windows.Min(w => w.End);
        context.Discard(shared);
        return (workers * perWorker / (windowMs / 1000), windowMs, ok);
    }

    /// <summary><c>eventworker --project DIR --worker K --count N --scratch DIR</c>: warms up, says "ready", waits for "go", logs N events.</summary>
    public static int Worker(Options options)
    {
        string project = options.Get("project")!, scratch = options.Get("scratch")!;
        int worker = options.Int("worker", 0), count = options.Int("count", 100);
        using (var warm = FastbandProject.Open(new ProjectOptions { ProjectPath = scratch, Agent = $"worker-{worker}" }))
            for (int i = 0; i < 20; i++) warm.Events.Log("heartbeat", $"warm-up {i}");
        using var p = FastbandProject.Open(new ProjectOptions { ProjectPath = project, Agent = $"worker-{worker}" });
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        if (Console.In.ReadLine() != "go") return 3;
        long start = DateTime.UtcNow.Ticks;
        for (int i = 0; i < count; i++) p.Events.Log("question", $"worker {worker} event {i}", newInteraction: i % 10 == 0);
        Console.Out.WriteLine($"{start} {DateTime.UtcNow.Ticks}");
        return 0;
    }

    /// <summary>8 bash processes each calling the seed's log_event.sh N times into one events.log; counts the valid lines.</summary>
    private static (double Rate, double WindowMs, int ValidLines) SeedAppendRace(BenchContext context, string scripts, int workers, int perWorker)
    {
        string dir = context.NewDirectory("events-seed-race");
        string script = Path.Combine(scripts, "log_event.sh");
        var sw = Stopwatch.StartNew();
        var processes = Enumerable.Range(0, workers).Select(w =>
        {
            var psi = new ProcessStartInfo("bash") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add($"for i in $(seq 0 {perWorker - 1}); do \"$0\" $((i / 10 + 1)) worker-{w} question \"worker {w} event $i\" || exit 1; done");
            psi.ArgumentList.Add(script);
            return Process.Start(psi)!;
        }).ToList();
        foreach (var p in processes) { p.WaitForExit(); p.Dispose(); }
        double ms = sw.Elapsed.TotalMilliseconds;
        int valid = 0;
        foreach (string line in File.ReadLines(Path.Combine(dir, "events.log")))
        {
            try { using var _ = JsonDocument.Parse(line); valid++; }
            catch (JsonException) { }
        }
        context.Discard(dir);
        return (valid / (ms / 1000), ms, valid);
    }
}
