using System.Text.Json;
using ImageBuilder.Formats.Fat;
using ImageBuilder.Formats.Partitions;
using ImageBuilder.Formats.Trees;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Formats.Tests;

/// <summary>Partitioned disks (guest disks) read back by sfdisk, sgdisk and fsck.fat.</summary>
public sealed class GptDiskTests
{
    private static readonly Guid DiskId = Gpt.DeterministicGuid("test/disk");
    private static readonly byte[] BootCode = Bytes.Pattern(Mbr.BootCodeLength, 1);
    private static readonly byte[] Core = Bytes.Pattern(70_000, 2);

    private static GptDiskLayout Layout(string esp) => GptDiskLayout.Compute(DiskId,
    [
        new GptDiskPartition("BIOS boot", GptDiskPartition.BiosBoot, Gpt.DeterministicGuid("test/bios"), FileContent.FromBytes(Core), 1 << 20),
        new GptDiskPartition("EFI system", GptPartition.EfiSystem, Gpt.DeterministicGuid("test/esp"), FileContent.FromFile(esp)),
        new GptDiskPartition("root", GptDiskPartition.LinuxFileSystem, Gpt.DeterministicGuid("test/root"), FileContent.FromBytes(Bytes.Pattern(100_000, 3)), 40 << 20),
    ]);

    private static string Esp(TempDirectory dir)
    {
        string esp = dir.Combine("esp.img");
        using var output = File.Create(esp);
        FatImage.Write(FileTree.CreateBuilder().AddFile("EFI/BOOT/BOOTX64.EFI", FileContent.FromBytes(Bytes.Pattern(300_000, 4))).AddFile("boot/grub/grub.cfg", FileContent.FromText("set timeout=0\n")).ToTree(), new FatOptions("HVMBOOT", 0x1234ABCD, 1_700_000_000), output);
        return esp;
    }

    private static string WriteDisk(TempDirectory dir, GptDiskLayout layout)
    {
        string disk = dir.Combine("disk.img");
        using var output = File.Create(disk);
        GptDiskWriter.Write(layout, BootCode, output);
        return disk;
    }

    [Fact]
    public void Sfdisk_and_sgdisk_read_the_partitions_where_the_layout_put_them()
    {
        using var dir = new TempDirectory();
        var layout = Layout(Esp(dir));
        string disk = WriteDisk(dir, layout);

        using var table = JsonDocument.Parse(Tool.Run("sfdisk", "--json", disk));
        var partitions = table.RootElement.GetProperty("partitiontable").GetProperty("partitions").EnumerateArray().ToList();
        var sgdisk = Tool.RunUnchecked("sgdisk", "-v", disk);

        Assert.Equal(layout.TotalBytes, new FileInfo(disk).Length);
        Assert.Equal("gpt", table.RootElement.GetProperty("partitiontable").GetProperty("label").GetString());
        Assert.Equal(3, partitions.Count);
        for (int i = 0; i < 3; i++)
        {
            var entry = layout.Partitions[i].Entry;
            Assert.Equal(entry.FirstLba, partitions[i].GetProperty("start").GetInt64());
            Assert.Equal(entry.LastLba - entry.FirstLba + 1, partitions[i].GetProperty("size").GetInt64());
            Assert.Equal(entry.Type.ToString("D"), partitions[i].GetProperty("type").GetString(), ignoreCase: true);
            Assert.Equal(0, entry.FirstLba % 2048);
        }

        Assert.Contains("No problems found", sgdisk.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(BootCode, File.ReadAllBytes(disk)[..Mbr.BootCodeLength]);
    }

    [Fact]
    public void Each_partition_holds_its_content_and_the_fat_one_checks_clean()
    {
        using var dir = new TempDirectory();
        string esp = Esp(dir);
        var layout = Layout(esp);
        string disk = WriteDisk(dir, layout);

        string Extract(int index, long bytes)
        {
            string part = dir.Combine($"p{index}.img");
            Tool.Run("dd", $"if={disk}", $"of={part}", "bs=512", $"skip={layout.Partitions[index].Entry.FirstLba}", $"count={(bytes + 511) / 512}", "status=none");
            return part;
        }

        Assert.Equal(Core, File.ReadAllBytes(Extract(0, Core.Length))[..Core.Length]);
        string fat = Extract(1, new FileInfo(esp).Length);
        Assert.Equal(File.ReadAllBytes(esp), File.ReadAllBytes(fat));
        var fsck = Tool.RunUnchecked("fsck.fat", "-n", fat);
        Assert.True(fsck.ExitCode == 0, fsck.StandardOutput + fsck.StandardError);
        Assert.Contains("BOOTX64  EFI", Tool.Run("mdir", "-i", fat, "::/EFI/BOOT"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_stream_that_cannot_seek_gets_the_same_bytes_as_a_sparse_file()
    {
        using var dir = new TempDirectory();
        var layout = Layout(Esp(dir));
        string disk = WriteDisk(dir, layout);

        using var forward = new MemoryStream();
        GptDiskWriter.Write(layout, BootCode, new ForwardOnly(forward));

        Assert.Equal(File.ReadAllBytes(disk), forward.ToArray());
        Assert.True(new FileInfo(disk).Length > 40 << 20);
    }

    [Fact]
    public void Content_larger_than_its_partition_or_boot_code_larger_than_the_mbr_is_refused()
    {
        var tooBig = new GptDiskPartition("x", GptDiskPartition.LinuxFileSystem, Guid.Empty, FileContent.FromBytes(new byte[10]), 5);

        Assert.Throws<ArgumentException>(() => GptDiskLayout.Compute(DiskId, [tooBig]));
        Assert.Throws<ArgumentException>(() => GptDiskLayout.Compute(DiskId, []));
        var layout = GptDiskLayout.Compute(DiskId, [tooBig with { SizeBytes = 10 }]);
        Assert.Throws<ArgumentException>(() => GptDiskWriter.Write(layout, new byte[Mbr.BootCodeLength + 1], Stream.Null));
    }

    private sealed class ForwardOnly(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
