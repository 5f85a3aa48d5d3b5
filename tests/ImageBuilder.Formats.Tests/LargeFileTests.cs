using ImageBuilder.Formats.Iso9660;
using ImageBuilder.Formats.Trees;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Formats.Tests;

public sealed class LargeFileTests
{
    [Fact]
    public void Host_files_copied_in_the_kernel_read_back_identical()
    {
        using var dir = new TempDirectory();
        byte[] big = Bytes.Pattern(3 * 1024 * 1024 + 123, 21);
        dir.Write("src/big.bin", big);
        dir.Write("src/small.txt", "small\n");
        string iso = dir.Combine("k.iso");
        using (var output = new FileStream(iso, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            IsoImage.Write(FileTree.FromDirectory(dir.Combine("src")), new IsoOptions { VolumeId = "K", Epoch = 1 }, output);
        }

        Tool.Run("xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/", dir.Combine("x"));

        Assert.Equal(big, File.ReadAllBytes(dir.Combine("x", "big.bin")));
        Assert.Equal("small\n", File.ReadAllText(dir.Combine("x", "small.txt")));
    }

    /// <summary>A DomU disk may be 4 GiB or more: such a file becomes several extents (ISO 9660 level 3).</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void A_file_of_more_than_4_gib_is_stored_as_multiple_extents_and_reads_back_whole()
    {
        using var dir = new TempDirectory("ib-large");
        string source = dir.Combine("disk.img");
        long size = (4L << 30) + (3 << 20) + 5;
        using (var file = File.Create(source))
        {
            file.SetLength(size);
            file.Position = size - 5;
            file.Write("tail!"u8);
            file.Position = 1 << 20;
            file.Write("head!"u8);
        }

        var tree = FileTree.CreateBuilder().AddFile("guests/disk.img", FileContent.FromFile(source)).AddFile("after.txt", FileContent.FromText("after\n")).ToTree();
        string iso = dir.Combine("large.iso");
        using (var output = new FileStream(iso, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            IsoImage.Write(tree, new IsoOptions { VolumeId = "LARGE", Epoch = 1 }, output);
        }

        string listing = Tool.Run("xorriso", "-indev", iso, "-lsl", "/guests/disk.img");
        string records = Tool.Run("isoinfo", "-l", "-i", iso);
        Tool.Run("xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/after.txt", dir.Combine("after.txt"));

        Assert.Contains(size.ToString(System.Globalization.CultureInfo.InvariantCulture), listing, StringComparison.Ordinal);
        Assert.Equal(2, records.Split('\n').Count(l => l.Contains("DISK.IMG;1", StringComparison.Ordinal)));
        Assert.Equal("after\n", File.ReadAllText(dir.Combine("after.txt")));
        Tool.Run("xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/guests/disk.img", dir.Combine("disk.out"));
        using var back = File.OpenRead(dir.Combine("disk.out"));
        Assert.Equal(size, back.Length);
        var buffer = new byte[5];
        back.Position = size - 5;
        back.ReadExactly(buffer);
        Assert.Equal("tail!"u8.ToArray(), buffer);
        back.Position = 1 << 20;
        back.ReadExactly(buffer);
        Assert.Equal("head!"u8.ToArray(), buffer);
    }
}
