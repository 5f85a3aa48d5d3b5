using System.Buffers.Binary;
using ImageBuilder.Formats.Binary;

namespace ImageBuilder.Formats.Partitions;

public sealed record MbrPartition(byte Type, long StartLba, long SectorCount, bool Bootable = false)
{
    public const byte GptProtective = 0xEE;
    public const byte EfiSystem = 0xEF;

    /// <summary>
    /// An empty-type entry over sector 0, marked active: some BIOSes boot a disk only when an MBR entry is active,
    /// while the UEFI spec wants the protective 0xEE entry not active and tools ignore type-0 entries (the disk stays
    /// "protective", not "hybrid"). xorriso writes this for --mbr-force-bootable beside a GPT.
    /// </summary>
    public static MbrPartition ActiveMarker { get; } = new(0x00, 0, 1, Bootable: true);
}

/// <summary>The classic PC partition table in sector 0, after up to 446 bytes of boot code.</summary>
public static class Mbr
{
    public const int SectorSize = 512;
    public const int BootCodeLength = 440;
    private const int DiskSignatureOffset = 440;
    private const int TableOffset = 446;
    private const int EntryLength = 16;

    // The geometry xorriso and most tools assume for LBA-to-CHS conversion.
    private const int Heads = 64;
    private const int SectorsPerTrack = 32;

    /// <param name="sector">The 512-byte sector; bytes before 440 (boot code) are left as they are.</param>
    public static void WriteTable(Span<byte> sector, uint diskSignature, IReadOnlyList<MbrPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        if (partitions.Count > 4)
        {
            throw new ArgumentException("an MBR holds four partitions", nameof(partitions));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(sector[DiskSignatureOffset..], diskSignature);
        sector.Slice(DiskSignatureOffset + 4, 2).Clear();
        sector.Slice(TableOffset, 4 * EntryLength).Clear();
        for (int i = 0; i < partitions.Count; i++)
        {
            var p = partitions[i];
            var e = sector.Slice(TableOffset + (i * EntryLength), EntryLength);
            e[0] = p.Bootable ? (byte)0x80 : (byte)0;
            Chs(e[1..4], p.StartLba);
            e[4] = p.Type;
            Chs(e[5..8], p.StartLba + p.SectorCount - 1);
            Endian.Le32(e[8..], Math.Min(p.StartLba, uint.MaxValue));
            Endian.Le32(e[12..], Math.Min(p.SectorCount, uint.MaxValue));
        }

        sector[510] = 0x55;
        sector[511] = 0xAA;
    }

    private static void Chs(Span<byte> chs, long lba)
    {
        long cylinder = lba / (Heads * SectorsPerTrack);
        if (cylinder > 1023)
        {
            // Beyond CHS reach: the conventional "use LBA" marker.
            chs[0] = 0xFE;
            chs[1] = 0xFF;
            chs[2] = 0xFF;
            return;
        }

        int head = (int)(lba / SectorsPerTrack % Heads);
        int sector = (int)(lba % SectorsPerTrack) + 1;
        chs[0] = (byte)head;
        chs[1] = (byte)(sector | (int)((cylinder >> 2) & 0xC0));
        chs[2] = (byte)cylinder;
    }
}
