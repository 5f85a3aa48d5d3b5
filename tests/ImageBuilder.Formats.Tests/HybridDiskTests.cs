using System.Buffers.Binary;
using System.Text.Json;
using ImageBuilder.Formats.Fat;
using ImageBuilder.Formats.Iso9660;
using ImageBuilder.Formats.Partitions;
using ImageBuilder.Formats.Trees;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Formats.Tests;

public sealed class HybridDiskTests
{
    private static readonly Guid DiskId = Gpt.DeterministicGuid("test-disk");

    [Fact]
    public void Sgdisk_verifies_the_gpt_and_finds_the_efi_system_partition_at_the_fat_image()
    {
        using var dir = new TempDirectory();
        var (iso, layout) = Build(dir);

        var verify = Tool.RunUnchecked("sgdisk", "-v", iso);
        string print = Tool.Run("sgdisk", "-p", iso);

        Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);
        Assert.Contains("No problems found", verify.StandardOutput, StringComparison.Ordinal);
        var (espLba, espLength) = layout.ExtentOf("boot/efi.img");
        Assert.Matches($@"\s2\s+{espLba * 4}\s+{(espLba * 4) + (espLength / 512) - 1}\s.*EF00\s+EFI system partition", print);
        Assert.Contains(DiskId.ToString().ToUpperInvariant(), print, StringComparison.Ordinal);
    }

    [Fact]
    public void Fdisk_reads_a_gpt_disk_of_the_image_size()
    {
        using var dir = new TempDirectory();
        var (iso, _) = Build(dir);

        string fdisk = Tool.Run("fdisk", "-l", iso);

        Assert.Contains("Disklabel type: gpt", fdisk, StringComparison.Ordinal);
        Assert.Contains("EFI System", fdisk, StringComparison.Ordinal);
        Assert.Contains($"{new FileInfo(iso).Length} bytes", fdisk, StringComparison.Ordinal);
    }

    [Fact]
    public void Fdisk_reads_the_mbr_view_with_one_active_entry_over_sector_0_and_no_warnings()
    {
        using var dir = new TempDirectory();
        var (iso, _) = Build(dir);

        var gptView = Tool.RunUnchecked("fdisk", "-l", iso);
        string mbrView = Tool.Run("fdisk", "-l", "-t", "dos", iso);

        Assert.True(gptView.ExitCode == 0, gptView.StandardError);
        Assert.DoesNotContain("warning", gptView.StandardOutput + gptView.StandardError, StringComparison.OrdinalIgnoreCase);
        // Device, boot flag, start, end, sectors, size, id, type: the active type-0 entry and the 0xEE one.
        Assert.Matches(@"hybrid\.iso2\s+\*\s+0\s+0\s+1\s+512B\s+0\s+Empty", mbrView);
        Assert.Matches(@"hybrid\.iso1\s+1\s+\d+\s+\d+\s+\S+\s+ee\s+GPT", mbrView);
    }

    [Fact]
    public void Gdisk_still_calls_the_mbr_protective_not_hybrid()
    {
        using var dir = new TempDirectory();
        var (iso, _) = Build(dir);

        string report = Tool.Run("gdisk", "-l", iso);

        Assert.Matches(@"MBR: protective\s", report);
        Assert.Contains("Found valid GPT with protective MBR; using GPT.", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Sfdisk_verifies_the_gpt_and_reads_the_legacy_bios_bootable_attribute_on_the_iso_partition_only()
    {
        using var dir = new TempDirectory();
        var (iso, _) = Build(dir);

        var verify = Tool.RunUnchecked("sfdisk", "--verify", iso);
        using var table = JsonDocument.Parse(Tool.Run("sfdisk", "--json", iso));
        var attributes = table.RootElement.GetProperty("partitiontable").GetProperty("partitions").EnumerateArray()
            .Select(p => p.TryGetProperty("attrs", out var a) ? a.GetString() ?? "" : "").ToList();

        Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);
        Assert.Contains("No errors detected", verify.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(3, attributes.Count);
        Assert.Contains("LegacyBIOSBootable", attributes[0], StringComparison.Ordinal);
        Assert.DoesNotContain("LegacyBIOSBootable", attributes[1], StringComparison.Ordinal);
        Assert.DoesNotContain("LegacyBIOSBootable", attributes[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Xorriso_reports_bios_and_uefi_el_torito_entries_and_a_protective_mbr_with_gpt()
    {
        using var dir = new TempDirectory();
        var (iso, _) = Build(dir);

        string report = Tool.Run("xorriso", "-indev", iso, "-report_el_torito", "plain", "-report_system_area", "plain");

        Assert.Matches(@"El Torito boot img :\s+1\s+BIOS\s+y\s+none", report);
        Assert.Matches(@"El Torito boot img :\s+2\s+UEFI\s+y\s+none", report);
        Assert.Matches(@"System area summary: MBR protective-msdos-label.*GPT", report);
        Assert.Contains("/boot/efi.img", report, StringComparison.Ordinal);
    }

    [Fact]
    public void The_mbr_boot_code_and_the_boot_image_carry_grubs_sector_addresses()
    {
        using var dir = new TempDirectory();
        var (iso, layout) = Build(dir);
        byte[] bytes = File.ReadAllBytes(iso);
        var (lba, _) = layout.ExtentOf("boot/bios.img");

        Assert.Equal((ulong)((lba * 4) + 4), BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(0x1B0)));
        Assert.Equal((ulong)((lba * 4) + 5), BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan((int)(lba * 2048) + 2548)));
        Assert.Equal(FakeMbr()[..0x1B0], bytes[..0x1B0]);
        Assert.Equal(0xEE, bytes[446 + 4]);
    }

    [Fact]
    public void The_iso_is_still_read_as_iso_9660()
    {
        using var dir = new TempDirectory();
        var (iso, _) = Build(dir);

        string found = Tool.Run("xorriso", "-indev", iso, "-find", "/boot", "--");

        Assert.Contains("'/boot/efi.img'", found, StringComparison.Ordinal);
    }

    [Fact]
    public void Hybrid_images_are_deterministic()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();

        Assert.Equal(File.ReadAllBytes(Build(a).Iso), File.ReadAllBytes(Build(b).Iso));
    }

    [Fact]
    public void A_wrong_sized_mbr_template_is_rejected()
    {
        var tree = FileTree.CreateBuilder().AddFile("x", FileContent.FromText("x")).ToTree();
        var options = new IsoOptions { VolumeId = "T", Epoch = 1, Hybrid = new HybridDisk(new byte[100], null, null, DiskId) };

        Assert.Throws<ArgumentException>(() => IsoImage.Write(tree, options, Stream.Null));
    }

    private static byte[] FakeMbr()
    {
        var mbr = Bytes.Pattern(512, 11);
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        return mbr;
    }

    private static (string Iso, IsoLayout Layout) Build(TempDirectory dir)
    {
        using var esp = new MemoryStream();
        FatImage.Write(FileTree.CreateBuilder().AddFile("EFI/BOOT/BOOTX64.EFI", FileContent.FromBytes(Bytes.Pattern(90_000, 12))).ToTree(), new FatOptions("EFIBOOT", 1, SampleTrees.Epoch), esp);
        var tree = SampleTrees.Mixed().ToBuilder()
            .AddFile("boot/bios.img", FileContent.FromBytes(Bytes.Pattern(20_000, 13)))
            .AddFile("boot/efi.img", FileContent.FromBytes(esp.ToArray()))
            .ToTree();
        var options = new IsoOptions
        {
            VolumeId = "HYBRID",
            Epoch = SampleTrees.Epoch,
            BootImages =
            [
                new ElToritoImage("boot/bios.img", ElToritoPlatform.X86, 4, PatchBootInfoTable: true) { PatchGrubBootInfo = true },
                new ElToritoImage("boot/efi.img", ElToritoPlatform.Efi, LoadSectors: null),
            ],
            Hybrid = new HybridDisk(FakeMbr(), "boot/bios.img", "boot/efi.img", DiskId),
        };
        string iso = dir.Combine("hybrid.iso");
        IsoLayout layout;
        using (var output = File.Create(iso))
        {
            layout = IsoImage.Write(tree, options, output);
        }

        return (iso, layout);
    }
}
