using Fastband.Core.Locks;
using Xunit;

namespace Fastband.Core.Tests.Locks;

public sealed class ResourcePathTests
{
    private const string Root = "/repo";

    [Theory]
    [InlineData("src/a.cs", "src/a.cs")]
    [InlineData("./src//lib/", "src/lib")]
    [InlineData("src\\lib\\a.cs", "src/lib/a.cs")]
    [InlineData("src/lib/../a.cs", "src/a.cs")]
    [InlineData("/repo/src/a.cs", "src/a.cs")]
    [InlineData(".", "**")]
    [InlineData("/repo", "**")]
    [InlineData("src/**/*.cs", "src/**/*.cs")]
    public void Paths_normalise_the_same_way_on_every_OS(string input, string expected) =>
        Assert.Equal(expected, ResourcePath.Normalize(input, Root));

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("src/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("/repository/x")]
    public void Paths_outside_the_project_are_refused(string input) =>
        Assert.Equal("ResourceOutsideProject", Assert.Throws<InvalidInputException>(() => ResourcePath.Normalize(input, Root)).ErrorId);

    [Theory]
    [InlineData("")]
    [InlineData("src/a**b")]
    public void Malformed_paths_are_refused(string input) =>
        Assert.Throws<InvalidInputException>(() => ResourcePath.Normalize(input, Root));

    [Theory]
    [InlineData("src/a.cs", "src/a.cs", true)]
    [InlineData("src", "src/a.cs", true)]              // a folder covers what is under it
    [InlineData("src/lib", "src/a.cs", false)]
    [InlineData("src/a.cs", "src/a.cs.bak", false)]    // not a prefix by characters
    [InlineData("src/**", "src/deep/x/y.cs", true)]
    [InlineData("src/**", "docs/a.md", false)]
    [InlineData("src/*.cs", "src/a.cs", true)]
    [InlineData("src/*.cs", "src/lib/a.cs", false)]    // * stays within one segment
    [InlineData("src/*.cs", "src", true)]              // locking the folder covers what the glob matches
    [InlineData("src/*", "src/lib/a.cs", true)]        // the glob matches a folder above the path
    [InlineData("src/*/x.cs", "src/lib", true)]        // the path holds something the glob matches
    [InlineData("src/*/x.cs", "src/lib/deep/y.cs", false)]
    [InlineData("**", "anything/at/all", true)]
    [InlineData("src/**", "src/*.cs", true)]           // two globs anchored on the same folder
    [InlineData("src/**", "docs/*.md", false)]
    [InlineData("?.txt", "a.txt", true)]
    [InlineData("?.txt", "ab.txt", false)]
    public void Overlap_follows_folders_and_globs_both_ways(string a, string b, bool overlaps)
    {
        Assert.Equal(overlaps, ResourcePath.Overlaps(a, b));
        Assert.Equal(overlaps, ResourcePath.Overlaps(b, a));
    }

    [Fact]
    public void Case_matters_except_on_Windows()
    {
        Assert.Equal(OperatingSystem.IsWindows(), ResourcePath.Overlaps("Src/A.cs", "src/a.cs"));
    }
}
