using System.Text;
using ImageBuilder.Formats.Binary;

namespace ImageBuilder.Formats.Partitions;

public sealed record GptPartition(Guid Type, Guid Id, long FirstLba, long LastLba, string Name, ulong Attributes = 0)
{
    public static readonly Guid EfiSystem = new("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
    public static readonly Guid BasicData = new("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7");
    public const ulong ReadOnly = 1UL << 60;

    /// <summary>Bit 2, "legacy BIOS bootable" (UEFI 2.x, table 5-8; xorriso's --gpt-iso-bootable).</summary>
    public const ulong LegacyBiosBootable = 1UL << 2;
}

/// <summary>
/// GUID Partition Table (UEFI 2.x, chapter 5): primary header at LBA 1 with 128 entries from LBA 2,
/// backup entries and header at the end of the disk; CRC32s over header and entry array.
/// </summary>
public static class Gpt
{
    public const int SectorSize = 512;
    public const int EntryCount = 128;
    public const int EntryLength = 128;
    public const int EntrySectors = EntryCount * EntryLength / SectorSize;
    private const int HeaderLength = 92;

    /// <summary>Sectors the GPT needs at the start (MBR, header, entries) and at the end (entries, header).</summary>
    public const int PrimarySectors = 2 + EntrySectors;
    public const int BackupSectors = 1 + EntrySectors;

    public static byte[] Entries(IReadOnlyList<GptPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var entries = new byte[EntryCount * EntryLength];
        for (int i = 0; i < partitions.Count; i++)
        {
            var p = partitions[i];
            var e = entries.AsSpan(i * EntryLength, EntryLength);
            p.Type.TryWriteBytes(e);
            p.Id.TryWriteBytes(e[16..]);
            Endian.Le32(e[32..], p.FirstLba & 0xFFFFFFFF);
            Endian.Le32(e[36..], p.FirstLba >> 32);
            Endian.Le32(e[40..], p.LastLba & 0xFFFFFFFF);
            Endian.Le32(e[44..], p.LastLba >> 32);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(e[48..], p.Attributes);
            var name = Encoding.Unicode.GetBytes(p.Name);
            name.AsSpan(0, Math.Min(name.Length, 72)).CopyTo(e[56..]);
        }

        return entries;
    }

    /// <summary>A header sector. <paramref name="backup"/> selects the copy at the end of the disk.</summary>
    public static byte[] Header(Guid diskId, long totalSectors, byte[] entries, bool backup)
    {
        ArgumentNullException.ThrowIfNull(entries);
        long last = totalSectors - 1;
        var h = new byte[SectorSize];
        Encoding.ASCII.GetBytes("EFI PART", h);
        Endian.Le32(h.AsSpan(8), 0x00010000);
        Endian.Le32(h.AsSpan(12), HeaderLength);
        WriteLba(h.AsSpan(24), backup ? last : 1);
        WriteLba(h.AsSpan(32), backup ? 1 : last);
        WriteLba(h.AsSpan(40), PrimarySectors);
        WriteLba(h.AsSpan(48), last - BackupSectors);
        diskId.TryWriteBytes(h.AsSpan(56));
        WriteLba(h.AsSpan(72), backup ? last - EntrySectors : 2);
        Endian.Le32(h.AsSpan(80), EntryCount);
        Endian.Le32(h.AsSpan(84), EntryLength);
        Endian.Le32(h.AsSpan(88), Crc32.Compute(entries));
        Endian.Le32(h.AsSpan(16), Crc32.Compute(h.AsSpan(0, HeaderLength)));
        return h;
    }

    /// <summary>
    /// The start of a GPT disk in <paramref name="area"/> (at least <see cref="PrimarySectors"/> sectors): the protective
    /// MBR's table and signature (boot code before byte 440 is left as it is), the primary header and the entries.
    /// </summary>
    /// <param name="activeMarker">Also an MBR entry marked active for BIOSes that boot only such disks (see
    /// <see cref="MbrPartition.ActiveMarker"/>); the 0xEE entry itself stays as the UEFI spec asks, not active.</param>
    public static void WritePrimary(Span<byte> area, Guid diskId, long totalSectors, byte[] entries, bool activeMarker = false)
    {
        ArgumentNullException.ThrowIfNull(entries);
        uint signature = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(diskId.ToByteArray().AsSpan(0, 4));
        var protective = new MbrPartition(MbrPartition.GptProtective, 1, totalSectors - 1);
        Mbr.WriteTable(area[..Mbr.SectorSize], signature, activeMarker ? [protective, MbrPartition.ActiveMarker] : [protective]);
        Header(diskId, totalSectors, entries, backup: false).CopyTo(area[SectorSize..]);
        entries.CopyTo(area[(2 * SectorSize)..]);
    }

    /// <summary>The end of a GPT disk (<see cref="BackupSectors"/> sectors): the entries, then the backup header.</summary>
    public static byte[] Backup(Guid diskId, long totalSectors, byte[] entries) => [.. entries, .. Header(diskId, totalSectors, entries, backup: true)];

    /// <summary>A name-based GUID (RFC 4122 version 5 layout over SHA-256) so that disks are reproducible.</summary>
    public static Guid DeterministicGuid(string seed)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private static void WriteLba(Span<byte> destination, long lba)
    {
        Endian.Le32(destination, lba & 0xFFFFFFFF);
        Endian.Le32(destination[4..], lba >> 32);
    }
}
