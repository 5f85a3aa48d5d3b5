using ImageBuilder.Formats.Trees;

namespace ImageBuilder.Formats.Tests;

public sealed class FileTreeTests
{
    private static readonly FileTree MergedUsr = FileTree.CreateBuilder()
        .AddSymlink("lib", "usr/lib")
        .AddFile("usr/lib/x86_64-linux-gnu/libyajl.so.2.1.0", FileContent.FromText("elf"))
        .AddSymlink("usr/lib/x86_64-linux-gnu/libyajl.so.2", "libyajl.so.2.1.0")
        .AddSymlink("usr/lib/xen/lib", "../x86_64-linux-gnu")
        .AddSymlink("opt/abs", "/usr/lib")
        .AddSymlink("loop/a", "b")
        .AddSymlink("loop/b", "a")
        .ToTree();

    [Theory]
    [InlineData("lib/x86_64-linux-gnu/libyajl.so.2.1.0", "usr/lib/x86_64-linux-gnu/libyajl.so.2.1.0")]
    [InlineData("usr/lib/xen/lib/libyajl.so.2.1.0", "usr/lib/x86_64-linux-gnu/libyajl.so.2.1.0")]
    [InlineData("opt/abs/x86_64-linux-gnu/../x86_64-linux-gnu/libyajl.so.2.1.0", "usr/lib/x86_64-linux-gnu/libyajl.so.2.1.0")]
    [InlineData("lib/x86_64-linux-gnu/libyajl.so.2", "usr/lib/x86_64-linux-gnu/libyajl.so.2")]
    public void Links_among_the_folders_are_followed_and_the_last_component_is_not(string path, string entry) =>
        Assert.Equal(entry, MergedUsr.Resolve(path)?.Path);

    [Theory]
    [InlineData("lib/x86_64-linux-gnu/libmissing.so.1")]
    [InlineData("loop/a/file")]
    [InlineData("nowhere/lib")]
    public void Missing_paths_and_link_loops_resolve_to_nothing(string path) => Assert.Null(MergedUsr.Resolve(path));

    [Fact]
    public void Where_keeps_the_entries_the_predicate_accepts()
    {
        var kept = MergedUsr.Where(e => !e.Path.StartsWith("loop", StringComparison.Ordinal));

        Assert.Null(kept.Find("loop/a"));
        Assert.NotNull(kept.Find("usr/lib/xen/lib"));
        Assert.Equal(MergedUsr.Count - 3, kept.Count);
    }
}
