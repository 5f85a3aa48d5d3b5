using ImageBuilder.Formats.Cpio;
using ImageBuilder.Formats.Trees;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Formats.Tests;

public sealed class CpioTests
{
    [Fact]
    public void Gnu_cpio_lists_every_entry_of_our_archive()
    {
        using var dir = new TempDirectory();
        string archive = dir.Combine("a.cpio");
        using (var output = File.Create(archive))
        {
            CpioArchive.Write(SampleTrees.Mixed(), output, SampleTrees.Epoch);
        }

        var listed = Tool.Run("cpio", "-t", "--quiet", "-F", archive).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(SampleTrees.Mixed().All.Select(e => e.Path), listed);
    }

    [Fact]
    public void Gnu_cpio_extracts_identical_files_modes_and_symlinks()
    {
        using var dir = new TempDirectory();
        var tree = SampleTrees.Mixed();
        string archive = dir.Combine("a.cpio");
        using (var output = File.Create(archive))
        {
            CpioArchive.Write(tree, output, SampleTrees.Epoch);
        }

        string into = dir.Combine("x");
        Directory.CreateDirectory(into);
        Tool.RunIn(into, "cpio", "-i", "-d", "-m", "--quiet", "--no-absolute-filenames", "-F", archive);

        Assert.Equal(File.ReadAllBytes(Path.Combine(into, "boot/xen.gz")), Read(tree, "boot/xen.gz"));
        Assert.Equal("busybox", new FileInfo(Path.Combine(into, "bin/sh")).LinkTarget);
        Assert.Equal("../proc/self/mounts", new FileInfo(Path.Combine(into, "etc/mtab")).LinkTarget);
        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(Path.Combine(into, "bin/busybox")));
        Assert.True(Directory.Exists(Path.Combine(into, "var/empty/dir")));
        Assert.Equal(0, new FileInfo(Path.Combine(into, "empty")).Length);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(SampleTrees.Epoch).UtcDateTime, File.GetLastWriteTimeUtc(Path.Combine(into, "boot/xen.gz")));
    }

    [Fact]
    public void Device_nodes_are_recorded_with_their_numbers()
    {
        using var dir = new TempDirectory();
        var tree = FileTree.CreateBuilder().AddDevice("dev/console", DeviceKind.Character, 5, 1, (UnixFileMode)0x180).ToTree();
        string archive = dir.Combine("d.cpio");
        using (var output = File.Create(archive))
        {
            CpioArchive.Write(tree, output, SampleTrees.Epoch);
        }

        string verbose = Tool.Run("cpio", "-t", "-v", "--quiet", "-F", archive);

        Assert.Matches(@"crw-------\s+1\s+root\s+root\s+5,\s+1 .* dev/console", verbose);
    }

    [Fact]
    public void The_same_tree_gives_the_same_bytes()
    {
        static byte[] Build()
        {
            using var ms = new MemoryStream();
            CpioArchive.Write(SampleTrees.Mixed(), ms, SampleTrees.Epoch);
            return ms.ToArray();
        }

        Assert.Equal(Build(), Build());
    }

    [Fact]
    public void Archive_ends_with_trailer_and_four_byte_alignment()
    {
        using var ms = new MemoryStream();
        CpioArchive.Write(SampleTrees.Mixed(), ms, SampleTrees.Epoch);
        byte[] bytes = ms.ToArray();

        Assert.Equal(0, bytes.Length % 4);
        Assert.Contains("TRAILER!!!", System.Text.Encoding.ASCII.GetString(bytes[^128..]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_source_shorter_than_declared_is_an_error_not_a_truncated_archive()
    {
        using var ms = new MemoryStream();
        using var writer = new CpioNewcWriter(ms, leaveOpen: true);

        var e = Assert.Throws<IOException>(() => writer.WriteEntry(new CpioEntry("f", 0x81A4, 10, 0), new MemoryStream(new byte[3])));
        Assert.Contains("ended 7 bytes early", e.Message, StringComparison.Ordinal);
    }

    private static byte[] Read(FileTree tree, string path)
    {
        using var s = ((FsFile)tree.Find(path)!).Content.OpenRead();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }
}
