using System.Security.Cryptography;
using ImageBuilder.Formats.Iso9660;
using ImageBuilder.Formats.Trees;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Formats.Tests;

public sealed class IsoTests
{
    private static readonly IsoOptions Options = new() { VolumeId = "TEST_VOLUME", Epoch = SampleTrees.Epoch };

    [Fact]
    public void Xorriso_finds_every_path_with_rock_ridge_names()
    {
        using var dir = new TempDirectory();
        string iso = WriteIso(dir, SampleTrees.Mixed(), Options);

        var found = Tool.Run("xorriso", "-indev", iso, "-find", "/", "--")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().Trim('\'').TrimStart('/'))
            .Where(l => l.Length > 0)
            .Order(StringComparer.Ordinal);

        Assert.Equal(SampleTrees.Mixed().All.Select(e => e.Path).Order(StringComparer.Ordinal), found);
    }

    [Fact]
    public void Files_extracted_by_xorriso_are_byte_identical_with_modes_and_symlinks()
    {
        using var dir = new TempDirectory();
        var tree = SampleTrees.Mixed();
        string iso = WriteIso(dir, tree, Options);
        string into = dir.Combine("x");

        Tool.Run("xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/", into);

        foreach (var file in tree.All.OfType<FsFile>())
        {
            using var s = file.Content.OpenRead();
            Assert.Equal(SHA256.HashData(s), SHA256.HashData(File.ReadAllBytes(Path.Combine(into, file.Path))));
        }

        Assert.Equal("busybox", new FileInfo(Path.Combine(into, "bin/sh")).LinkTarget);
        Assert.Equal("../proc/self/mounts", new FileInfo(Path.Combine(into, "etc/mtab")).LinkTarget);
        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(Path.Combine(into, "bin/busybox")) & (UnixFileMode)0x1FF);
    }

    [Fact]
    public void Isoinfo_reads_rock_ridge_and_plain_iso9660_names()
    {
        using var dir = new TempDirectory();
        string iso = WriteIso(dir, SampleTrees.Mixed(), Options);

        string rockRidge = Tool.Run("isoinfo", "-R", "-l", "-i", iso);
        string plain = Tool.Run("isoinfo", "-l", "-i", iso);
        string header = Tool.Run("isoinfo", "-d", "-i", iso);

        Assert.Contains("a-rather-long-file-name-that-exceeds-iso-limits.conf", rockRidge, StringComparison.Ordinal);
        Assert.Contains("A-Rather-Long-File-Name-That-Exceeds-ISO-Limits.conf", rockRidge, StringComparison.Ordinal);
        Assert.Contains(new string('n', 240), rockRidge, StringComparison.Ordinal);
        Assert.Matches(@"lrwxrwxrwx.* sh -> busybox", rockRidge);
        Assert.Contains("XEN.GZ;1", plain, StringComparison.Ordinal);
        Assert.Contains("Volume id: TEST_VOLUME", header, StringComparison.Ordinal);
        Assert.Contains("Rock Ridge signatures version 1 found", header, StringComparison.Ordinal);
    }

    [Fact]
    public void Timestamps_come_from_the_epoch()
    {
        using var dir = new TempDirectory();
        string iso = WriteIso(dir, SampleTrees.Mixed(), Options);
        string into = dir.Combine("x");

        Tool.Run("xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/boot/xen.gz", into + "/xen.gz");

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(SampleTrees.Epoch).UtcDateTime, File.GetLastWriteTimeUtc(into + "/xen.gz"));
    }

    [Fact]
    public void The_same_tree_and_epoch_give_the_same_bytes_and_another_epoch_does_not()
    {
        static byte[] Build(long epoch)
        {
            using var ms = new MemoryStream();
            IsoImage.Write(SampleTrees.Mixed(), Options with { Epoch = epoch }, ms);
            return SHA256.HashData(ms.ToArray());
        }

        Assert.Equal(Build(SampleTrees.Epoch), Build(SampleTrees.Epoch));
        Assert.NotEqual(Build(SampleTrees.Epoch), Build(SampleTrees.Epoch + 1));
    }

    [Fact]
    public void Xorriso_reports_the_bios_el_torito_entry_with_its_load_size()
    {
        using var dir = new TempDirectory();
        var tree = SampleTrees.Mixed().ToBuilder()
            .AddFile("boot/grub/eltorito.img", FileContent.FromBytes(Bytes.Pattern(30_000, 3)))
            .ToTree();
        var options = Options with { BootImages = [new ElToritoImage("boot/grub/eltorito.img", ElToritoPlatform.X86, 4, PatchBootInfoTable: true)] };
        string iso = WriteIso(dir, tree, options);

        string report = Tool.Run("xorriso", "-indev", iso, "-report_el_torito", "plain");

        Assert.Matches(@"El Torito boot img :\s+1\s+BIOS\s+y\s+none\s+0x0000\s+0x00\s+4\s+\d+", report);
        Assert.Contains("/boot/grub/eltorito.img", report, StringComparison.Ordinal);
    }

    [Fact]
    public void The_boot_information_table_names_the_pvd_the_image_and_a_correct_checksum()
    {
        byte[] image = Bytes.Pattern(10_002, 4);
        var tree = FileTree.CreateBuilder().AddFile("boot.img", FileContent.FromBytes(image)).ToTree();
        var options = Options with { BootImages = [new ElToritoImage("boot.img", ElToritoPlatform.X86, 4, PatchBootInfoTable: true)] };
        using var ms = new MemoryStream();
        var layout = IsoImage.Write(tree, options, ms);
        var (lba, length) = layout.ExtentOf("boot.img");
        byte[] written = ms.ToArray().AsSpan((int)(lba * 2048), (int)length).ToArray();

        uint expectedSum = 0;
        var padded = new byte[(image.Length + 3) / 4 * 4];
        image.CopyTo(padded, 0);
        for (int i = 64; i < padded.Length; i += 4)
        {
            expectedSum += BitConverter.ToUInt32(padded, i);
        }

        Assert.Equal(16u, BitConverter.ToUInt32(written, 8));
        Assert.Equal((uint)lba, BitConverter.ToUInt32(written, 12));
        Assert.Equal((uint)image.Length, BitConverter.ToUInt32(written, 16));
        Assert.Equal(expectedSum, BitConverter.ToUInt32(written, 20));
        Assert.Equal(image.AsSpan(64).ToArray(), written.AsSpan(64).ToArray());
    }

    [Fact]
    public void A_boot_image_missing_from_the_tree_is_rejected_before_anything_is_written()
    {
        var options = Options with { BootImages = [new ElToritoImage("boot/none.img", ElToritoPlatform.X86)] };

        var e = Assert.Throws<ArgumentException>(() => IsoLayout.Compute(SampleTrees.Mixed(), options));
        Assert.Contains("boot/none.img", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_boot_image_too_small_for_the_info_table_is_rejected()
    {
        var tree = FileTree.CreateBuilder().AddFile("tiny.img", FileContent.FromBytes(new byte[32])).ToTree();
        var options = Options with { BootImages = [new ElToritoImage("tiny.img", ElToritoPlatform.X86, 4, PatchBootInfoTable: true)] };

        Assert.Throws<InvalidDataException>(() => IsoImage.Write(tree, options, Stream.Null));
    }

    [Fact]
    public void Many_files_spill_directories_over_several_sectors_and_still_read_back()
    {
        using var dir = new TempDirectory();
        var builder = FileTree.CreateBuilder();
        for (int i = 0; i < 400; i++)
        {
            builder.AddFile($"many/file-number-{i:D4}.txt", FileContent.FromText($"file {i}\n"));
        }

        string iso = WriteIso(dir, builder.ToTree(), Options);
        string into = dir.Combine("x");
        Tool.Run("xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/", into);

        Assert.Equal(400, Directory.GetFiles(Path.Combine(into, "many")).Length);
        Assert.Equal("file 399\n", File.ReadAllText(Path.Combine(into, "many/file-number-0399.txt")));
    }

    private static string WriteIso(TempDirectory dir, FileTree tree, IsoOptions options)
    {
        string iso = dir.Combine("test.iso");
        using var output = File.Create(iso);
        IsoImage.Write(tree, options, output);
        return iso;
    }
}
