using System.Buffers.Binary;
using ImageBuilder.Formats.Partitions;

namespace ImageBuilder.Formats.Iso9660;

/// <summary>
/// Makes the ISO a valid disk too (USB stick): GRUB's hybrid MBR boot code patched to load the BIOS boot
/// image, a protective MBR and a GPT whose EFI System partition is the FAT image inside the ISO, with
/// basic-data partitions around it so that no ISO data looks like free space.
/// </summary>
/// <remarks>
/// Layout choice: protective MBR (the 0xEE entry from LBA 1, not active) + fully valid GPT, as grub-mkrescue writes,
/// plus what Qubes OS 4.2's installer ships after real laptops refused its earlier layouts (qubes-issues #8058,
/// #8395, #8717): an active type-0 MBR entry over sector 0 for BIOSes that boot only disks with an active entry
/// (xorriso --mbr-force-bootable) and the legacy-BIOS-bootable GPT attribute on the ISO's partition
/// (--gpt-iso-bootable). The isohybrid alternative (MBR partitions 0x00 + 0xEF, a deliberately invalid GPT) made
/// UEFI firmware and tools see a broken GPT. The BIOS path does not read the partition table at all (the MBR code
/// loads the core image by absolute sector).
/// </remarks>
public sealed record HybridDisk(ReadOnlyMemory<byte> GrubHybridMbr, string? BiosImagePath, string? EfiImagePath, Guid DiskId)
{
    public const int GrubKernelSectorOffset = 0x1B0;
    public const int GrubBootInfoOffset = 2548;

    /// <summary>2 KiB sectors reserved after the ISO data for the backup GPT.</summary>
    public static int TrailingSectors => (Gpt.BackupSectors * Gpt.SectorSize + IsoLayout.SectorSize - 1) / IsoLayout.SectorSize;

    public byte[] SystemArea(IsoLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var area = new byte[IsoLayout.SystemAreaSectors * IsoLayout.SectorSize];
        if (GrubHybridMbr.Length != Mbr.SectorSize)
        {
            throw new ArgumentException($"GRUB's boot_hybrid.img must be {Mbr.SectorSize} bytes, got {GrubHybridMbr.Length}");
        }

        GrubHybridMbr.Span.CopyTo(area);
        if (BiosImagePath is not null)
        {
            // boot_hybrid.img loads the sector after cdboot.img (2 KiB into the El Torito image).
            long imageLba512 = layout.ExtentOf(BiosImagePath).Lba * 4;
            BinaryPrimitives.WriteUInt64LittleEndian(area.AsSpan(GrubKernelSectorOffset), (ulong)(imageLba512 + 4));
        }

        long disk512 = DiskSectors(layout);
        Gpt.WritePrimary(area, DiskId, disk512, Gpt.Entries(Partitions(layout, disk512)), activeMarker: true);
        return area;
    }

    public byte[] Trailer(IsoLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        long disk512 = DiskSectors(layout);
        var trailer = new byte[TrailingSectors * IsoLayout.SectorSize];
        Gpt.Backup(DiskId, disk512, Gpt.Entries(Partitions(layout, disk512))).CopyTo(trailer, trailer.Length - (Gpt.BackupSectors * Gpt.SectorSize));
        return trailer;
    }

    /// <summary>GRUB's diskboot reads its own blocklist start here: the image's 512-byte LBA + 5.</summary>
    public static void PatchGrubBootInfo(Span<byte> image, long imageLba)
    {
        if (image.Length < GrubBootInfoOffset + 8)
        {
            throw new InvalidDataException($"boot image of {image.Length} bytes is too small for GRUB's boot info at byte {GrubBootInfoOffset}");
        }

        BinaryPrimitives.WriteUInt64LittleEndian(image[GrubBootInfoOffset..], (ulong)((imageLba * 4) + 5));
    }

    private static long DiskSectors(IsoLayout layout) => layout.TotalSectors * (IsoLayout.SectorSize / Gpt.SectorSize);

    private List<GptPartition> Partitions(IsoLayout layout, long disk512)
    {
        long firstData = IsoLayout.SystemAreaSectors * 4;
        long lastData = disk512 - (TrailingSectors * 4) - 1;
        var partitions = new List<GptPartition>();
        void Data(long first, long last, int n)
        {
            if (last >= first)
            {
                // The partition the ISO 9660 volume starts in carries the legacy-BIOS-bootable bit (--gpt-iso-bootable).
                ulong attributes = GptPartition.ReadOnly | (n == 1 ? GptPartition.LegacyBiosBootable : 0);
                partitions.Add(new GptPartition(GptPartition.BasicData, Gpt.DeterministicGuid($"{DiskId}/iso{n}"), first, last, $"ISO9660 {n}", attributes));
            }
        }

        if (EfiImagePath is null)
        {
            Data(firstData, lastData, 1);
            return partitions;
        }

        var (lba, length) = layout.ExtentOf(EfiImagePath);
        long espFirst = lba * 4;
        long espLast = espFirst + ((length + 511) / 512) - 1;
        Data(firstData, espFirst - 1, 1);
        partitions.Add(new GptPartition(GptPartition.EfiSystem, Gpt.DeterministicGuid($"{DiskId}/esp"), espFirst, espLast, "EFI system partition"));
        Data(RoundUpTo4(espLast + 1), lastData, 2);
        return partitions;
    }

    private static long RoundUpTo4(long lba512) => (lba512 + 3) / 4 * 4;
}
