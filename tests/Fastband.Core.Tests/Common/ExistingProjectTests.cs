using Xunit;

namespace Fastband.Core.Tests.Common;

/// <summary>ExistingProject opens only what is already there: the readers that use it (tab completion) must never create a store.</summary>
public sealed class ExistingProjectTests : IDisposable
{
    private readonly TempProject _dir = new();

    public void Dispose() => _dir.Dispose();

    private ProjectOptions Options(string? project = null, string? cwd = null, params (string Name, string Value)[] environment) => new()
    {
        ProjectPath = project,
        CurrentDirectory = cwd ?? _dir.Root,
        Environment = name => environment.FirstOrDefault(e => e.Name == name).Value,
    };

    [Fact]
    public void A_folder_without_a_project_gives_null_and_stays_empty()
    {
        Assert.Null(ExistingProject.OpenStore(Options()));
        Assert.Null(ExistingProject.OpenBackups(Options()));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Root));
    }

    [Fact]
    public void A_missing_project_folder_gives_null_rather_than_an_error()
    {
        string missing = Path.Combine(_dir.Root, "missing");
        Assert.Null(ExistingProject.OpenStore(Options(project: missing)));
        Assert.Null(ExistingProject.OpenStore(Options(environment: ("FASTBAND_PROJECT", missing))));
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void A_state_folder_without_a_store_gives_no_store_and_gets_none()
    {
        Directory.CreateDirectory(_dir.StateDir);
        Assert.Null(ExistingProject.OpenStore(Options()));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.StateDir));
        Assert.NotNull(ExistingProject.OpenBackups(Options())); // backups need no store
    }

    [Fact]
    public void An_existing_store_opens_from_a_subfolder_with_its_data()
    {
        using (var writer = _dir.Open("alice")) writer.Agents.Register("1205");
        string nested = Path.Combine(_dir.Root, "src", "api");
        Directory.CreateDirectory(nested);

        using var project = ExistingProject.OpenStore(Options(cwd: nested));
        Assert.NotNull(project);
        Assert.Equal(_dir.Root, project!.Root);
        Assert.False(project.CreatedStore);
        Assert.Equal("alice", Assert.Single(project.Agents.List(includeInactive: true)).Name);
    }

    [Fact]
    public void A_postgres_store_is_not_opened()
    {
        using (var writer = _dir.Open("alice")) writer.Agents.Register();
        var options = Options(environment: ("FASTBAND_STORE", "Host=127.0.0.1;Port=1;Database=none;Username=none"));
        Assert.Null(ExistingProject.OpenStore(options));
    }
}
