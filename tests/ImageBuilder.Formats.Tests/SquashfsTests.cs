using System.Globalization;
using ImageBuilder.Formats.Squashfs;
using ImageBuilder.Formats.Trees;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Formats.Tests;

public sealed class SquashfsTests
{
    private static FileTree OwnedTree() => FileTree.CreateBuilder()
        .AddTree(SampleTrees.Mixed())
        .AddTree(FileTree.CreateBuilder()
            .AddFile("name with spaces and \"quotes\"", FileContent.FromText("odd\n"))
            .Add(new FsFile("etc/shadow", FileContent.FromText("root:*:20000:0:99999:7:::\n"), (UnixFileMode)0x1A0, 0, 42)) // group shadow
            .AddDevice("dev/null", DeviceKind.Character, 1, 3, (UnixFileMode)0x1B6)
            .AddSymlink("link to spaces", "name with spaces and \"quotes\"")
            .ToTree())
        .ToTree();

    private static string Pack(TempDirectory dir, FileTree tree, string name)
    {
        int staged = 0;
        string staging = dir.Combine(name + ".files");
        Directory.CreateDirectory(staging);
        string packFile = dir.Combine(name + ".pack");
        using (var writer = new StreamWriter(packFile))
        {
            SquashfsPackFile.Write(tree, writer, file =>
            {
                string path = Path.Combine(staging, (staged++).ToString(CultureInfo.InvariantCulture));
                using var source = file.Content.OpenRead();
                using var output = File.Create(path);
                source.CopyTo(output);
                return path;
            });
        }

        string image = dir.Combine(name + ".squashfs");
        Tool.Run("gensquashfs", "--pack-file", packFile, "--compressor", "zstd", "--defaults", $"mtime={SampleTrees.Epoch}", "--quiet", "--force", image);
        return image;
    }

    [Fact]
    public void Unsquashfs_lists_every_entry_with_our_modes_owners_and_time()
    {
        using var dir = new TempDirectory();
        string image = Pack(dir, OwnedTree(), "a");

        string listing = Tool.Run("unsquashfs", "-lln", "-d", "", image);

        Assert.Contains("crw-rw-rw- 0/0", listing.Split('\n').Single(l => l.EndsWith("/dev/null", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("-rw-r----- 0/42", listing.Split('\n').Single(l => l.EndsWith("/etc/shadow", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("-rwxr-xr-x 0/0", listing.Split('\n').Single(l => l.EndsWith("/bin/busybox", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("/link to spaces -> name with spaces and \"quotes\"", listing, StringComparison.Ordinal);
        Assert.All(listing.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Contains("2023-11-14 22:13", line, StringComparison.Ordinal));
        foreach (var entry in OwnedTree().All)
        {
            Assert.Contains("/" + entry.Path, listing, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Unsquashfs_extracts_the_same_bytes()
    {
        using var dir = new TempDirectory();
        var tree = OwnedTree();
        string image = Pack(dir, tree, "b");
        string into = dir.Combine("x");

        Tool.Run("unsquashfs", "-no-xattrs", "-d", into, image);

        foreach (var file in tree.All.OfType<FsFile>())
        {
            using var expected = file.Content.OpenRead();
            using var copy = new MemoryStream();
            expected.CopyTo(copy);
            Assert.Equal(copy.ToArray(), File.ReadAllBytes(Path.Combine(into, file.Path)));
        }
    }

    [Fact]
    public void The_same_tree_gives_the_same_image()
    {
        using var dir = new TempDirectory();

        string first = Pack(dir, OwnedTree(), "one");
        string second = Pack(dir, OwnedTree(), "two");

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public void A_name_with_a_line_break_is_refused_with_the_name()
    {
        var tree = FileTree.CreateBuilder().AddFile("bad\nname", FileContent.FromText("x")).ToTree();

        var error = Assert.Throws<ArgumentException>(() => SquashfsPackFile.Write(tree, TextWriter.Null, _ => "/dev/null"));

        Assert.Contains("bad\\nname", error.Message, StringComparison.Ordinal);
    }
}
