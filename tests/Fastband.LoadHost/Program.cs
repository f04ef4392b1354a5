using System.Collections;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Fastband.LoadHost;

/// <summary>
/// Loads the staged module (module/Fastband/) the way pwsh 7.4 does, in a .NET 8 process that is not the
/// module's app and whose deps.json knows nothing of it: a Resolving handler on the default load context
/// probes the module folder for dependencies, Fastband.Core.dll is loaded by path, and everything past that
/// goes through reflection. It opens a store, writes and reads an entry, posts a hold and checks that it
/// blocks, and loads every assembly Fastband.PowerShell.dll references other than System.Management.Automation.
/// Usage: Fastband.LoadHost MODULE_DIR SCRATCH_PROJECT_DIR. Exit 0 on success, 1 with one FAILED line otherwise.
/// </summary>
public static class Program
{
    private const string Sma = "System.Management.Automation";
    private static readonly string[] ProductPrefixes = { "Fastband.", "SQLitePCLRaw.", "Microsoft.Data.Sqlite", "Npgsql", "MySqlConnector", "Microsoft.Extensions." };

    private static string _step = "start";
    private static string _moduleDir = "";
    private static readonly List<string> Resolved = new();

    public static int Main(string[] args)
    {
        try
        {
            Run(args);
            Console.WriteLine("LoadHost: OK");
            return 0;
        }
        catch (Exception e)
        {
            while (e is TargetInvocationException { InnerException: { } inner }) e = inner;
            string detail = $"{e.GetType().Name}: {e.Message}";
            for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
                detail += $" <- {inner.GetType().Name}: {inner.Message}";
            Console.WriteLine($"FAILED at '{_step}': {string.Join(" ", detail.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))}");
            return 1;
        }
    }

    private static void Run(string[] args)
    {
        _step = "arguments";
        if (args.Length != 2) throw new ArgumentException("usage: Fastband.LoadHost MODULE_DIR SCRATCH_PROJECT_DIR");
        _moduleDir = Path.GetFullPath(args[0]);
        string scratch = Path.GetFullPath(args[1]);
        if (!File.Exists(Path.Combine(_moduleDir, "Fastband.Core.dll")))
            throw new FileNotFoundException($"{_moduleDir} holds no Fastband.Core.dll: run ./build.sh to stage the module.");
        Directory.CreateDirectory(scratch);

        _step = "runtime";
        string runtime = RuntimeInformation.FrameworkDescription;
        Console.WriteLine($"LoadHost: runtime {runtime} ({RuntimeInformation.RuntimeIdentifier}), from {Path.GetDirectoryName(typeof(object).Assembly.Location)}");
        if (!runtime.StartsWith(".NET 8.", StringComparison.Ordinal))
            throw new InvalidOperationException($"this host must run on .NET 8 (pwsh 7.4's runtime), but runs on {runtime}: publish it self-contained.");

        _step = "host knows nothing of the module";
        CheckHostIsIgnorant();

        _step = "install resolver";
        AssemblyLoadContext.Default.Resolving += ResolveFromModuleFolder;
        Console.WriteLine($"LoadHost: module folder {_moduleDir}");

        _step = "load Fastband.Core.dll";
        var core = Assembly.LoadFrom(Path.Combine(_moduleDir, "Fastband.Core.dll"));
        Console.WriteLine($"LoadHost: loaded {core.GetName().Name} {core.GetName().Version} from {core.Location}");

        ExerciseStore(core, scratch);
        ExercisePostgresStore(core, scratch);
        ExerciseMySql(core);

        _step = "native SQLite";
        CheckNativeSqlite();

        _step = "references of Fastband.PowerShell.dll";
        CheckPowerShellReferences();

        _step = "where product assemblies came from";
        var product = AssemblyLoadContext.Default.Assemblies
            .Where(a => a != typeof(Program).Assembly && ProductPrefixes.Any(p => a.GetName().Name!.StartsWith(p, StringComparison.Ordinal)))
            .OrderBy(a => a.GetName().Name, StringComparer.Ordinal).ToArray();
        foreach (var a in product)
        {
            if (!IsUnder(a.Location, _moduleDir))
                throw new InvalidOperationException($"{a.GetName().Name} was loaded from {a.Location}, not from the module folder.");
        }
        Console.WriteLine($"LoadHost: {product.Length} module assemblies loaded, all from the module folder: {string.Join(", ", product.Select(a => a.GetName().Name))}");
        Console.WriteLine($"LoadHost: resolved by the module-folder handler: {(Resolved.Count == 0 ? "(none)" : string.Join(", ", Resolved))}");
    }

    /// <summary>The resolver pwsh has for a module's dependencies: the folder of the module, by simple name.</summary>
    private static Assembly? ResolveFromModuleFolder(AssemblyLoadContext context, AssemblyName name)
    {
        string candidate = Path.Combine(_moduleDir, name.Name + ".dll");
        if (!File.Exists(candidate)) return null;
        lock (Resolved) Resolved.Add(name.Name!);
        return context.LoadFromAssemblyPath(candidate);
    }

    /// <summary>Nothing of Fastband or SQLite may be in this host's deps.json or folder, or the test would prove nothing.</summary>
    private static void CheckHostIsIgnorant()
    {
        var depsFiles = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (string deps in depsFiles.Where(File.Exists))
        {
            string text = File.ReadAllText(deps);
            foreach (string word in new[] { "Fastband.Core", "Fastband.PowerShell", "SQLitePCLRaw", "Microsoft.Data.Sqlite", "e_sqlite3", "Npgsql", "MySqlConnector" })
                if (text.Contains(word, StringComparison.OrdinalIgnoreCase))
                    throw new InvalidOperationException($"the host's {deps} mentions {word}: the host must have no reference to Fastband or SQLite.");
        }
        var local = Directory.EnumerateFiles(AppContext.BaseDirectory, "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName)
            .Where(f => f!.StartsWith("Fastband.Core", StringComparison.OrdinalIgnoreCase) || f.Contains("sqlite", StringComparison.OrdinalIgnoreCase))
            .ToArray();
        if (local.Length > 0)
            throw new InvalidOperationException($"the host's own folder holds {string.Join(", ", local)}: it must get them from the module folder only.");
        Console.WriteLine($"LoadHost: host deps.json ({string.Join(", ", depsFiles.Select(Path.GetFileName))}) and folder know nothing of Fastband or SQLite");
    }

    /// <summary>
    /// The same against the PostgreSQL store, when tests/servers/start.sh's server is there (FASTBAND_TEST_PG_*): proves
    /// that Npgsql and its dependencies load from the module folder on .NET 8. Without the variables it says so and skips.
    /// </summary>
    private static void ExercisePostgresStore(Assembly core, string scratch)
    {
        _step = "PostgreSQL settings";
        string? Env(string name) => Environment.GetEnvironmentVariable($"FASTBAND_TEST_PG_{name}");
        if (Env("HOST") is not { } host || Env("PASSWORD") is null)
        {
            Console.WriteLine("LoadHost: PostgreSQL store not exercised: FASTBAND_TEST_PG_* are not set (run tests/servers/start.sh and source .build/servers/env)");
            return;
        }
        string project = Path.Combine(scratch, "pg-project");
        Directory.CreateDirectory(Path.Combine(project, ".fastband"));
        string schema = "loadhost_" + Guid.NewGuid().ToString("N")[..12];
        File.WriteAllText(Path.Combine(project, ".fastband", "config.yaml"),
            $"store:\n  connection: \"Host={host};Port={Env("PORT")};Database={Env("DB")};Username={Env("USER")}\"\n  passwordEnv: FASTBAND_TEST_PG_PASSWORD\n  schema: {schema}\n");
        Console.WriteLine($"LoadHost: PostgreSQL store in schema {schema} of {host}:{Env("PORT")}/{Env("DB")}");
        ExerciseStore(core, project);
    }

    /// <summary>
    /// The MySQL/MariaDB change fingerprint, when tests/servers/start.sh's server is there (FASTBAND_TEST_MYSQL_*): proves
    /// that MySqlConnector loads from the module folder on .NET 8 and talks to the server. Without the variables it skips.
    /// </summary>
    private static void ExerciseMySql(Assembly core)
    {
        _step = "MySQL settings";
        string? Env(string name) => Environment.GetEnvironmentVariable($"FASTBAND_TEST_MYSQL_{name}");
        if (Env("HOST") is not { } host || Env("PASSWORD") is null)
        {
            Console.WriteLine("LoadHost: MySQL fingerprint not exercised: FASTBAND_TEST_MYSQL_* are not set (run tests/servers/start.sh and source .build/servers/env)");
            return;
        }
        _step = "MySQL fingerprint";
        var targetType = core.GetType("Fastband.Core.Backup.Database.DatabaseTarget", throwOnError: true)!;
        var target = Activator.CreateInstance(targetType)!;
        targetType.GetProperty("Type")!.SetValue(target, "mysql");
        targetType.GetProperty("Host")!.SetValue(target, host);
        targetType.GetProperty("Port")!.SetValue(target, int.Parse(Env("PORT")!, System.Globalization.CultureInfo.InvariantCulture));
        targetType.GetProperty("Name")!.SetValue(target, Env("DB"));
        targetType.GetProperty("User")!.SetValue(target, Env("USER"));
        targetType.GetProperty("PasswordEnv")!.SetValue(target, "FASTBAND_TEST_MYSQL_PASSWORD");
        var backups = core.GetType("Fastband.Core.Backup.Database.DatabaseBackups", throwOnError: true)!;
        var backup = backups.GetMethod("For", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, new object[] { "mysql" })!;
        var print = (string?)Call(backup, "Fingerprint", target, CancellationToken.None);
        if (print is null || !print.StartsWith("innodb-lsn:", StringComparison.Ordinal))
            throw new InvalidOperationException($"the MySQL fingerprint of {target} is '{print ?? "(null)"}', not the server's log sequence number.");
        Console.WriteLine($"LoadHost: MySQL fingerprint of {target}: {print}");
    }

    private static void ExerciseStore(Assembly core, string scratch)
    {
        _step = "FastbandProject.Open";
        var optionsType = core.GetType("Fastband.Core.ProjectOptions", throwOnError: true)!;
        var options = Activator.CreateInstance(optionsType)!;
        optionsType.GetProperty("ProjectPath")!.SetValue(options, scratch);
        optionsType.GetProperty("Agent")!.SetValue(options, "loadtest");
        var projectType = core.GetType("Fastband.Core.FastbandProject", throwOnError: true)!;
        var open = projectType.GetMethod("Open", BindingFlags.Public | BindingFlags.Static, new[] { optionsType })
                   ?? throw new MissingMethodException("Fastband.Core.FastbandProject", "Open(ProjectOptions)");
        var project = open.Invoke(null, new[] { options }) ?? throw new InvalidOperationException("Open returned null.");
        try
        {
            Console.WriteLine($"LoadHost: opened project {Get(project, "Root")} (store {Get(Get(project, "Store")!, "Location")})");

            _step = "OpsLog.Write";
            var opsLog = Get(project, "OpsLog")!;
            var written = Call(opsLog, "Write", "general", "load test entry", "42", null)!;
            long id = (long)Get(written, "Id")!;
            Console.WriteLine($"LoadHost: wrote entry {id}: {written}");

            _step = "OpsLog.Read";
            var queryType = core.GetType("Fastband.Core.OpsLog.OpsLogQuery", throwOnError: true)!;
            var query = Activator.CreateInstance(queryType)!;
            queryType.GetProperty("Limit")!.SetValue(query, 10);
            var entries = ((IEnumerable)Call(opsLog, "Read", query)!).Cast<object>().ToArray();
            var back = entries.FirstOrDefault(e => (long)Get(e, "Id")! == id)
                       ?? throw new InvalidOperationException($"entry {id} was written but Read returned {entries.Length} entries without it.");
            if ((string?)Get(back, "Message") != "load test entry" || (string?)Get(back, "TicketId") != "42" || (string?)Get(back, "Agent") != "loadtest")
                throw new InvalidOperationException($"entry {id} came back as '{back}' (agent {Get(back, "Agent")}, ticket {Get(back, "TicketId")}), not as written.");
            Console.WriteLine($"LoadHost: read {entries.Length} entries back; entry {id} has the same message, ticket and agent");

            _step = "Locks.Acquire";
            var locks = Get(project, "Locks")!;
            var requestType = core.GetType("Fastband.Core.Locks.LockRequest", throwOnError: true)!;
            var request = Activator.CreateInstance(requestType)!;
            requestType.GetProperty("Resources")!.SetValue(request, new[] { "src/**" });
            requestType.GetProperty("TieToCaller")!.SetValue(request, true);
            var granted = Call(locks, "Acquire", request, CancellationToken.None)!;
            var lease = Get(granted, "Lease") ?? throw new InvalidOperationException($"the lock was refused in an empty project: {Get(granted, "Message")}");
            string leaseId = (string)Get(lease, "LeaseId")!;
            long token = (long)Get(lease, "FencingToken")!;
            _step = "Locks.Validate";
            if (!(bool)Get(Call(locks, "Validate", leaseId, token)!, "Valid")!)
                throw new InvalidOperationException($"lease {leaseId} was just granted, yet its token {token} does not validate.");
            _step = "Locks.Release";
            if (!(bool)Get(Call(locks, "Release", leaseId)!, "Released")!)
                throw new InvalidOperationException($"lease {leaseId} could not be released.");
            Console.WriteLine($"LoadHost: took, validated and released lock {leaseId} (token {token}) tied to pid {Get(lease, "ProcessId")}");

            _step = "Directives.Hold";
            var hold = Call(Get(project, "Directives")!, "Hold", "load test hold", null, null)!;
            Console.WriteLine($"LoadHost: posted hold {Get(hold, "Id")}");

            _step = "Coordination.Check";
            var permission = Call(Get(project, "Coordination")!, "Check", null, null)!;
            if ((bool)Get(permission, "Allowed")!)
                throw new InvalidOperationException($"a hold for all agents is in force, yet Check says allowed: {Get(permission, "Reason")}");
            Console.WriteLine($"LoadHost: Check says not allowed: {Get(permission, "Reason")}");
        }
        finally
        {
            _step = "Dispose";
            ((IDisposable)project).Dispose();
        }
        Console.WriteLine("LoadHost: project disposed");
    }

    /// <summary>On Linux, the e_sqlite3 mapped into this process must be the module's own copy under runtimes/.</summary>
    private static void CheckNativeSqlite()
    {
        if (!OperatingSystem.IsLinux()) return;
        var mapped = File.ReadLines("/proc/self/maps")
            .Select(l => l.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length == 6 && Path.GetFileName(parts[5].Trim()).StartsWith("libe_sqlite3", StringComparison.Ordinal))
            .Select(parts => parts[5].Trim()).Distinct().ToArray();
        if (mapped.Length == 0) throw new InvalidOperationException("no e_sqlite3 library is mapped into the process after using the store.");
        var foreign = mapped.Where(p => !IsUnder(p, _moduleDir)).ToArray();
        if (foreign.Length > 0) throw new InvalidOperationException($"native SQLite came from {string.Join(", ", foreign)}, not from the module folder.");
        Console.WriteLine($"LoadHost: native SQLite loaded from {string.Join(", ", mapped)}");
    }

    /// <summary>
    /// Every assembly Fastband.PowerShell.dll references (read with MetadataReader, since SMA is not here to load
    /// it), and every assembly those pull in from the module folder, loads in this process at the version asked.
    /// </summary>
    private static void CheckPowerShellReferences()
    {
        string psDll = Path.Combine(_moduleDir, "Fastband.PowerShell.dll");
        var queue = new Queue<(string From, AssemblyName Name)>(ReadReferences(psDll).Select(r => ("Fastband.PowerShell", r)));
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var report = new List<string>();
        while (queue.Count > 0)
        {
            var (from, reference) = queue.Dequeue();
            if (reference.Name == Sma || !seen.Add(reference.Name!)) continue;
            Assembly loaded;
            try
            {
                loaded = AssemblyLoadContext.Default.LoadFromAssemblyName(reference);
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                throw new InvalidOperationException($"{from} references {reference.FullName}, which does not load here: {e.Message}");
            }
            bool fromModule = IsUnder(loaded.Location, _moduleDir);
            report.Add($"{reference.Name} {reference.Version} -> {(fromModule ? "module" : "framework")} {loaded.GetName().Version}");
            if (fromModule)
                foreach (var next in loaded.GetReferencedAssemblies()) queue.Enqueue((reference.Name!, next));
        }
        Console.WriteLine($"LoadHost: {report.Count} assemblies referenced from Fastband.PowerShell.dll (transitively, SMA aside) load:");
        foreach (string line in report) Console.WriteLine("  " + line);
    }

    private static IEnumerable<AssemblyName> ReadReferences(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new List<AssemblyName>();
        foreach (var handle in md.AssemblyReferences)
        {
            var r = md.GetAssemblyReference(handle);
            names.Add(new AssemblyName { Name = md.GetString(r.Name), Version = r.Version });
        }
        if (!names.Any(n => n.Name == Sma)) throw new InvalidOperationException($"{path} does not reference {Sma}: is it the cmdlet assembly?");
        return names;
    }

    private static bool IsUnder(string path, string dir) =>
        Path.GetFullPath(path).StartsWith(dir.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static object? Get(object target, string property) =>
        (target.GetType().GetProperty(property, BindingFlags.Public | BindingFlags.Instance)
         ?? throw new MissingMemberException(target.GetType().FullName, property)).GetValue(target);

    private static object? Call(object target, string method, params object?[] args)
    {
        var candidates = target.GetType().GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.Name == method && m.GetParameters().Length == args.Length).ToArray();
        if (candidates.Length != 1)
            throw new MissingMethodException($"{target.GetType().FullName}.{method} with {args.Length} parameters: found {candidates.Length}.");
        return candidates[0].Invoke(target, args);
    }
}
