using System.Security.Cryptography;
using ImageBuilder.Formats.Fat;
using ImageBuilder.Formats.Trees;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Formats.Tests;

public sealed class FatTests
{
    private static readonly FatOptions Options = new("EFIBOOT", 0x1234ABCD, SampleTrees.Epoch);

    private static FileTree EspTree() => FileTree.CreateBuilder()
        .AddFile("EFI/BOOT/BOOTX64.EFI", FileContent.FromBytes(Bytes.Pattern(150_000, 7)))
        .AddFile("EFI/BOOT/BOOTX64.cfg", FileContent.FromText("[global]\ndefault=xen\n"))
        .AddFile("EFI/BOOT/vmlinuz", FileContent.FromBytes(Bytes.Pattern(40_000, 8)))
        .AddFile("EFI/BOOT/initrd.gz", FileContent.FromBytes(Bytes.Pattern(3_000, 9)))
        .AddFile("EFI/a name with spaces and more than thirteen characters.txt", FileContent.FromText("lfn\n"))
        .AddFile("README.TXT", FileContent.FromText("plain 8.3\n"))
        .AddFile("empty", FileContent.FromBytes(Array.Empty<byte>()))
        .ToTree();

    [Fact]
    public void Fsck_fat_finds_no_problem_in_our_volume()
    {
        using var dir = new TempDirectory();
        string image = Write(dir, EspTree(), Options);

        var result = Tool.RunUnchecked("fsck.fat", "-n", "-v", image);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("2 FATs, 12 bit entries", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Mtools_lists_long_names_and_copies_out_identical_files()
    {
        using var dir = new TempDirectory();
        var tree = EspTree();
        string image = Write(dir, tree, Options);

        string listing = Tool.Run("mdir", "-i", image, "::/EFI/BOOT");
        Tool.Run("mcopy", "-s", "-n", "-m", "-i", image, "::/", dir.Combine("out"));

        Assert.Contains("BOOTX64  EFI", listing, StringComparison.Ordinal);
        Assert.Contains("BOOTX64.cfg", listing, StringComparison.Ordinal);
        Assert.Contains("initrd.gz", listing, StringComparison.Ordinal);
        foreach (var file in tree.All.OfType<FsFile>())
        {
            using var s = file.Content.OpenRead();
            Assert.Equal(SHA256.HashData(s), SHA256.HashData(File.ReadAllBytes(dir.Combine("out", file.Path))));
        }

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(SampleTrees.Epoch).UtcDateTime, File.GetLastWriteTimeUtc(dir.Combine("out", "README.TXT")));
    }

    [Fact]
    public void Volume_label_and_serial_are_the_given_ones()
    {
        using var dir = new TempDirectory();
        string image = Write(dir, EspTree(), Options);

        string info = Tool.Run("file", "-s", image);

        Assert.Contains("label: \"EFIBOOT    \"", info, StringComparison.Ordinal);
        Assert.Contains("serial number 0x1234abcd", info, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(40L << 20, "FAT (16 bit)")]
    [InlineData(600L << 20, "FAT (32 bit)")]
    public void Larger_volumes_use_fat16_and_fat32_and_still_check_clean(long size, string type)
    {
        using var dir = new TempDirectory();
        string image = Write(dir, EspTree(), Options with { SizeBytes = size });

        var result = Tool.RunUnchecked("fsck.fat", "-n", "-v", image);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains(type, Tool.Run("file", "-s", image), StringComparison.Ordinal);
        Assert.Equal(size, new FileInfo(image).Length);
        Assert.Contains("initrd.gz", Tool.Run("mdir", "-i", image, "::/EFI/BOOT"), StringComparison.Ordinal);
    }

    [Fact]
    public void Many_files_spill_directories_over_several_clusters()
    {
        using var dir = new TempDirectory();
        var builder = FileTree.CreateBuilder();
        for (int i = 0; i < 300; i++)
        {
            builder.AddFile($"many/long file name number {i:D3}.conf", FileContent.FromText($"{i}\n"));
        }

        string image = Write(dir, builder.ToTree(), Options);

        Assert.Equal(0, Tool.RunUnchecked("fsck.fat", "-n", image).ExitCode);
        Assert.Contains("long file name number 299.conf", Tool.Run("mdir", "-i", image, "::/many"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_tree_gives_the_same_bytes()
    {
        static byte[] Build()
        {
            using var ms = new MemoryStream();
            FatImage.Write(EspTree(), Options, ms);
            return SHA256.HashData(ms.ToArray());
        }

        Assert.Equal(Build(), Build());
    }

    [Fact]
    public void A_fixed_size_too_small_for_the_content_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => FatLayout.Compute(EspTree(), Options with { SizeBytes = 64 * 1024 }));

        Assert.Contains("clusters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Symlinks_cannot_go_on_fat()
    {
        var tree = FileTree.CreateBuilder().AddSymlink("link", "target").ToTree();

        Assert.Throws<ArgumentException>(() => FatLayout.Compute(tree, Options));
    }

    private static string Write(TempDirectory dir, FileTree tree, FatOptions options)
    {
        string image = dir.Combine("esp.img");
        using var output = File.Create(image);
        FatImage.Write(tree, options, output);
        return image;
    }
}
