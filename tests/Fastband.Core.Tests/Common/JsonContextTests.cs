using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Xunit;

namespace Fastband.Core.Tests.Common;

/// <summary>
/// The CLI serializes only through the generated code in <see cref="FastbandJsonContext"/> (reflection is off in it,
/// JIT and native alike). These tests fail when a result type, or an enum inside one, is missing from it: every type
/// a public method of Core returns is a result the CLI can print unless it is listed below as something else.
/// </summary>
public sealed class JsonContextTests
{
    /// <summary>Types public methods return that are not results: services, handles, inputs, parsers' intermediates.</summary>
    private static readonly HashSet<string> NotResults = new(StringComparer.Ordinal)
    {
        // Services, handles and settings: objects that do things, never printed.
        "Fastband.Core.FastbandProject", "Fastband.Core.FastbandConfig", "Fastband.Core.CallerIdentity",
        "Fastband.Core.Backup.BackupGuard", "Fastband.Core.Backup.BackupService", "Fastband.Core.Backup.RetentionPolicy",
        "Fastband.Core.Backup.ScanCache", "Fastband.Core.Backup.ProjectScan", "Fastband.Core.Backup.BackupConfig",
        "Fastband.Core.Backup.Database.IDatabaseBackup", "Fastband.Core.Git.GitRun", "Fastband.Core.Git.GitWriterLock",
        "Fastband.Core.Locks.LockHandle", "Fastband.Core.Store.IFastbandStore", "Fastband.Core.Store.IChangeListener",
        "Fastband.Core.Store.PostgresTarget", "Fastband.Core.Setup.Launcher",
        // Exceptions a helper builds for its caller to throw.
        "Fastband.Core.InvalidInputException", "Fastband.Core.FastbandException",
        // Inputs and the store's write records (what callers pass in, not what they get out).
        "Fastband.Core.Hooks.ToolCall", "Fastband.Core.Store.AgentTouch", "Fastband.Core.Store.ImportWrite", "Fastband.Core.Store.IssueChange",
        "Fastband.Core.Sessions.SessionInput",
    };

    public static IEnumerable<object[]> ResultTypes()
    {
        var core = typeof(FastbandProject).Assembly;
        var found = new SortedDictionary<string, Type>(StringComparer.Ordinal);
        foreach (var type in core.GetExportedTypes().Where(t => !t.IsInterface))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                // Generic helpers (FastbandJson.Info<T>) return no one type.
                if (method.IsSpecialName || method.Name == "<Clone>$" || method.ReturnType == typeof(void) || method.ReturnType.ContainsGenericParameters) continue;
                var returned = method.ReturnType;
                if (returned.IsGenericType && returned.GetGenericTypeDefinition() == typeof(Task<>)) returned = returned.GetGenericArguments()[0];
                // A stream of results is printed one element at a time.
                if (returned.IsGenericType && returned.GetGenericTypeDefinition() == typeof(IEnumerable<>)) returned = returned.GetGenericArguments()[0];
                if (returned.IsGenericType && returned.GetGenericTypeDefinition().FullName!.StartsWith("System.ValueTuple", StringComparison.Ordinal)) continue;
                bool ours = returned.Assembly == core || returned.GetGenericArguments().Any(a => a.Assembly == core);
                if (!ours || NotResults.Contains(returned.FullName ?? "") || returned.GetGenericArguments().Any(a => NotResults.Contains(a.FullName ?? ""))) continue;
                found.TryAdd(returned.ToString(), returned);
            }
        }
        return found.Values.Select(t => new object[] { t });
    }

    [Fact]
    public void The_walk_finds_the_results_the_cli_prints()
    {
        var types = ResultTypes().Select(r => (Type)r[0]).ToList();
        Assert.True(types.Count > 60, $"only {types.Count} result types found: the walk is broken");
        Assert.Contains(typeof(Fastband.Core.Backup.BackupResult), types);
        Assert.Contains(typeof(IReadOnlyList<Fastband.Core.Locks.Lease>), types);
        Assert.Contains(typeof(Fastband.Core.OpsLog.OpsLogEntry), types); // from IEnumerable<OpsLogEntry> Follow as well as Write
    }

    [Theory]
    [MemberData(nameof(ResultTypes))]
    public void Every_result_type_has_generated_serialization_code(Type type)
    {
        var info = FastbandJsonContext.Default.GetTypeInfo(type);
        Assert.True(info is not null,
            $"{type} is returned by a public Core method but FastbandJsonContext has no code for it: add [JsonSerializable(typeof(...))] " +
            "in src/Fastband.Core/Common/FastbandJsonContext.cs (or, if it is not a result, list it in NotResults with the reason).");
    }

    [Fact]
    public void Every_enum_inside_a_result_is_written_by_name()
    {
        var named = FastbandJson.NamedEnums.ToHashSet();
        foreach (var e in named) Assert.StartsWith("\"", JsonSerializer.Serialize(Enum.GetValues(e).GetValue(0), e, FastbandJson.Options));
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>(ResultTypes().Select(r => (Type)r[0]));
        while (pending.TryPop(out var type))
        {
            if (!seen.Add(type)) continue;
            var info = FastbandJson.Options.GetTypeInfo(type);
            var underlying = Nullable.GetUnderlyingType(type) ?? type;
            if (underlying.IsEnum && !named.Contains(underlying)) missing.Add(underlying.FullName!);
            if (info.ElementType is { } element) pending.Push(element);
            if (info.KeyType is { } key) pending.Push(key);
            if (info.Kind == JsonTypeInfoKind.Object)
                foreach (var property in info.Properties) pending.Push(property.PropertyType);
        }
        Assert.True(missing.Count == 0,
            $"These enums appear in results but are not written as names: {string.Join(", ", missing)}; add each to FastbandJson.NamedEnums and EnumConverters.");
    }

    [Fact]
    public void Without_reflection_a_result_serializes_as_it_does_with_it()
    {
        // The CLI's resolver (the generated code alone) against the reflection resolver this test process also has.
        var generated = new JsonSerializerOptions(FastbandJson.Options) { TypeInfoResolver = FastbandJsonContext.Default };
        var reflected = new JsonSerializerOptions(FastbandJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        var entry = new Fastband.Core.OpsLog.OpsLogEntry
        {
            Id = 7, Agent = "alice", EventType = "hold", Message = "freeze", Timestamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Metadata = new Dictionary<string, object?> { ["scope"] = "src/", ["count"] = 3L, ["files"] = new object?[] { "a", 1L, true, null } },
        };
        var health = new Fastband.Core.Health.HealthReport();
        Assert.Equal(JsonSerializer.Serialize(entry, reflected), JsonSerializer.Serialize(entry, generated));
        Assert.Equal(JsonSerializer.Serialize(health, reflected), JsonSerializer.Serialize(health, generated));
        Assert.Contains("\"metadata\": {", JsonSerializer.Serialize(entry, generated));
    }
}
