using Fastband.Core.Backup;
using Xunit;

namespace Fastband.Core.Tests.Backup;

public sealed class ExcludeRulesTests
{
    private static readonly ExcludeRules Rules = new(new[] { "node_modules", "*.log", "te?t*.tmp", "build/out", "docs/*.pdf", "**/cache/**", "  ", "# a comment" });

    [Theory]
    [InlineData("node_modules", true)]              // a plain name, at the root
    [InlineData("src/app/node_modules", true)]      // and at any depth
    [InlineData("src/node_modules_extra", false)]   // the whole name, not a prefix
    [InlineData("logs/today.log", true)]            // *.ext anywhere
    [InlineData("src/log.txt", false)]
    [InlineData("a/b/test1.tmp", true)]             // a glob without a slash matches the name at any depth
    [InlineData("a/b/toast.tmp", false)]
    [InlineData("build/out", true)]                 // a pattern with a slash is anchored at the root
    [InlineData("src/build/out", false)]
    [InlineData("docs/guide.pdf", true)]
    [InlineData("docs/deep/guide.pdf", false)]      // * does not cross folders
    [InlineData("a/cache/b", true)]                 // ** spans folders
    [InlineData("src/main.py", false)]
    public void Each_kind_of_pattern_matches_what_gitignore_would(string path, bool excluded) =>
        Assert.Equal(excluded, Rules.IsExcluded(path));
}
