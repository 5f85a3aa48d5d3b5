using ImageBuilder.Formats.Iso9660;
using ImageBuilder.Formats.Trees;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Formats.Tests;

public sealed class LargeFileTests
{
    [Fact]
    public void Large_and_small_host_files_read_back_identical()
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

    [Fact]
    public void Writing_to_a_file_in_parallel_gives_the_same_bytes_as_writing_to_a_stream()
    {
        using var dir = new TempDirectory();
        for (int i = 0; i < 50; i++)
        {
            dir.Write($"src/small/{i:D2}.bin", Bytes.Pattern(100 + (i * 997), i));
        }

        dir.Write("src/large/a.bin", Bytes.Pattern(700_000, 100));
        dir.Write("src/large/b.bin", Bytes.Pattern(5_000_000, 101));
        dir.Write("src/boot.img", Bytes.Pattern(10_000, 102));
        var tree = FileTree.FromDirectory(dir.Combine("src"));
        var options = new IsoOptions
        {
            VolumeId = "SAME",
            Epoch = 7,
            BootImages = [new ElToritoImage("boot.img", ElToritoPlatform.X86, 4, PatchBootInfoTable: true) { PatchGrubBootInfo = true }],
            Hybrid = new HybridDisk(new byte[512], "boot.img", null, Guid.Empty),
        };

        using var memory = new MemoryStream();
        IsoImage.Write(tree, options, memory);
        string path = dir.Combine("file.iso");
        using (var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite))
        {
            IsoImage.Write(tree, options, file);
        }

        Assert.Equal(memory.ToArray(), File.ReadAllBytes(path));
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
