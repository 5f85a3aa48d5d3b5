using System.Buffers.Binary;

namespace ImageBuilder.Boot;

/// <summary>
/// GRUB's BIOS start from a hard disk, as grub-bios-setup installs it: the MBR code (boot.img) loads the first sector
/// of core.img (diskboot.img) from an absolute sector, and diskboot's blocklist names the sectors of the rest. With the
/// core in a BIOS boot partition, both are patched with that partition's first sector.
/// </summary>
public static class GrubBiosDisk
{
    private const int SectorSize = Formats.Partitions.Mbr.SectorSize;

    /// <summary>boot.img: the 64-bit LBA of core.img's first sector.</summary>
    public const int KernelSectorOffset = 0x5C;

    /// <summary>boot.img: a jump over the check for BIOSes that pass a wrong drive; grub-bios-setup turns it into two NOPs on hard disks.</summary>
    public const int DriveCheckOffset = 0x66;

    /// <summary>diskboot.img: the last blocklist entry of its sector (start LBA, 64 bits; sectors, 16; load segment, 16).</summary>
    public const int BlocklistOffset = SectorSize - 12;

    /// <summary>Where diskboot loads the rest of the core: right after itself at 0x8000.</summary>
    public const ushort CoreSegment = 0x820;

    /// <summary>The MBR boot code (the 440 bytes before the partition table) for a core that starts at <paramref name="coreLba"/>.</summary>
    public static byte[] BootCode(ReadOnlySpan<byte> bootImage, long coreLba)
    {
        if (bootImage.Length != SectorSize)
        {
            throw new ArgumentException($"GRUB's boot.img must be {SectorSize} bytes, got {bootImage.Length}", nameof(bootImage));
        }

        if (bootImage[DriveCheckOffset] != 0xEB)
        {
            throw new ArgumentException($"boot.img has no jump at 0x{DriveCheckOffset:X} (not GRUB 2's i386-pc boot.img?)", nameof(bootImage));
        }

        var code = bootImage[..Formats.Partitions.Mbr.BootCodeLength].ToArray();
        BinaryPrimitives.WriteInt64LittleEndian(code.AsSpan(KernelSectorOffset), coreLba);
        code[DriveCheckOffset] = 0x90;
        code[DriveCheckOffset + 1] = 0x90;
        return code;
    }

    /// <summary>core.img padded to whole sectors, its blocklist naming the sectors after the first at <paramref name="coreLba"/> + 1.</summary>
    public static byte[] Core(ReadOnlySpan<byte> coreImage, long coreLba)
    {
        if (coreImage.Length <= SectorSize)
        {
            throw new ArgumentException($"core.img of {coreImage.Length} bytes holds no more than diskboot", nameof(coreImage));
        }

        int sectors = (coreImage.Length + SectorSize - 1) / SectorSize;
        if (sectors - 1 > ushort.MaxValue)
        {
            throw new ArgumentException($"core.img of {sectors} sectors is too large for diskboot's blocklist", nameof(coreImage));
        }

        var core = new byte[sectors * SectorSize];
        coreImage.CopyTo(core);
        var entry = core.AsSpan(BlocklistOffset, 12);
        if (BinaryPrimitives.ReadUInt16LittleEndian(entry[10..]) != CoreSegment)
        {
            throw new ArgumentException($"core.img does not start with diskboot.img (no load segment 0x{CoreSegment:X} at byte {BlocklistOffset + 10})", nameof(coreImage));
        }

        BinaryPrimitives.WriteInt64LittleEndian(entry, coreLba + 1);
        BinaryPrimitives.WriteUInt16LittleEndian(entry[8..], (ushort)(sectors - 1));
        return core;
    }
}
