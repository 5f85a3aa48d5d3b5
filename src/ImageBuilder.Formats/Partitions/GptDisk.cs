using ImageBuilder.Formats.Binary;
using ImageBuilder.Formats.Trees;

namespace ImageBuilder.Formats.Partitions;

/// <summary>
/// A partition of a <see cref="GptDisk"/>: its GPT type, id and name, and what it holds — <paramref name="Content"/>
/// at its start, then zeros up to <paramref name="SizeBytes"/> (the whole content when null).
/// </summary>
public sealed record GptDiskPartition(string Name, Guid Type, Guid Id, FileContent? Content, long? SizeBytes = null, ulong Attributes = 0)
{
    /// <summary>GRUB's BIOS boot partition: its i386-pc core image, loaded by the MBR code by absolute sector.</summary>
    public static readonly Guid BiosBoot = new("21686148-6449-6E6F-744E-656564454649");

    /// <summary>A Linux file system.</summary>
    public static readonly Guid LinuxFileSystem = new("0FC63DAF-8483-4772-8E79-3D69D8477DE4");

    public long Bytes => SizeBytes ?? Content?.Length ?? throw new ArgumentException($"partition {Name} has neither content nor size");
}

/// <summary>Where each partition of a disk lies: 1 MiB aligned, in the order given, between the two GPT copies.</summary>
public sealed class GptDiskLayout
{
    public const long Alignment = 1 << 20;

    private GptDiskLayout(Guid diskId, IReadOnlyList<(GptDiskPartition Partition, GptPartition Entry)> partitions, long totalSectors)
    {
        DiskId = diskId;
        Partitions = partitions;
        TotalSectors = totalSectors;
    }

    public Guid DiskId { get; }

    public IReadOnlyList<(GptDiskPartition Partition, GptPartition Entry)> Partitions { get; }

    public long TotalSectors { get; }

    public long TotalBytes => TotalSectors * Gpt.SectorSize;

    /// <summary>The pure layout pass: every partition gets its sectors; nothing is read.</summary>
    public static GptDiskLayout Compute(Guid diskId, IReadOnlyList<GptDiskPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        if (partitions.Count is 0 or > Gpt.EntryCount)
        {
            throw new ArgumentException($"a GPT disk holds 1 to {Gpt.EntryCount} partitions", nameof(partitions));
        }

        const long alignSectors = Alignment / Gpt.SectorSize;
        long next = alignSectors;
        var placed = new List<(GptDiskPartition, GptPartition)>();
        foreach (var partition in partitions)
        {
            long bytes = partition.Bytes;
            if (bytes <= 0 || (partition.Content is { } content && content.Length > bytes))
            {
                throw new ArgumentException($"partition {partition.Name}: {partition.Content?.Length ?? 0} bytes of content do not fit its {bytes} bytes");
            }

            long sectors = (bytes + Alignment - 1) / Alignment * alignSectors;
            placed.Add((partition, new GptPartition(partition.Type, partition.Id, next, next + sectors - 1, partition.Name, partition.Attributes)));
            next += sectors;
        }

        // The backup GPT sits in the last aligned MiB.
        return new GptDiskLayout(diskId, placed, next + alignSectors);
    }
}

/// <summary>
/// Writes a <see cref="GptDiskLayout"/> as a raw disk image, in order: sector 0 (the given boot code and a protective
/// MBR), the primary GPT, each partition's content and the zeros after it, the backup GPT. On a seekable output runs of
/// zeros are skipped rather than written, so the image file is sparse; its bytes are the same either way.
/// </summary>
public static class GptDiskWriter
{
    public static void Write(GptDiskLayout layout, ReadOnlySpan<byte> bootCode, Stream output)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(output);
        if (bootCode.Length > Mbr.BootCodeLength)
        {
            throw new ArgumentException($"MBR boot code is at most {Mbr.BootCodeLength} bytes, got {bootCode.Length}", nameof(bootCode));
        }

        var sink = new CountingSink(output, "GPT disk", sparse: true);
        byte[] entries = Gpt.Entries([.. layout.Partitions.Select(p => p.Entry)]);
        var start = new byte[Gpt.PrimarySectors * Gpt.SectorSize];
        bootCode.CopyTo(start);
        Gpt.WritePrimary(start, layout.DiskId, layout.TotalSectors, entries);
        sink.Write(start);

        foreach (var (partition, entry) in layout.Partitions)
        {
            sink.ZerosTo(entry.FirstLba * Gpt.SectorSize);
            if (partition.Content is { } content)
            {
                using var source = content.OpenRead();
                ExactCopy.Copy(source, content.Length, partition.Name, sink.Write);
            }

            sink.ZerosTo((entry.LastLba + 1) * Gpt.SectorSize);
        }

        sink.ZerosTo((layout.TotalSectors - Gpt.BackupSectors) * Gpt.SectorSize);
        sink.Write(Gpt.Backup(layout.DiskId, layout.TotalSectors, entries));
        sink.Finish();
    }
}
