using System.Buffers.Binary;
using System.Text;
using ImageBuilder.Formats.Binary;

namespace ImageBuilder.Formats.Iso9660;

/// <summary>El Torito 1.0: boot record volume descriptor, boot catalog and the boot information table.</summary>
internal static class ElTorito
{
    public const string BootSystemId = "EL TORITO SPECIFICATION";
    public const int BootInfoTableOffset = 8;
    public const int BootInfoTableLength = 56;
    public const int BootInfoChecksumStart = 64;

    private const int EntryLength = 32;
    private const byte Bootable = 0x88;
    private const byte SectionHeaderMore = 0x90;
    private const byte SectionHeaderFinal = 0x91;

    public static void WriteBootRecord(Span<byte> sector, long catalogLba)
    {
        sector.Clear();
        sector[0] = 0;
        Encoding.ASCII.GetBytes("CD001", sector[1..]);
        sector[6] = 1;
        Encoding.ASCII.GetBytes(BootSystemId, sector[7..]);
        Endian.Le32(sector[0x47..], catalogLba);
    }

    /// <summary>Validation entry + initial/default entry for the first image, then one section per further image.</summary>
    public static void WriteCatalog(Span<byte> sector, IReadOnlyList<(ElToritoImage Image, long Lba, long Length)> images)
    {
        sector.Clear();
        var first = images[0];
        var validation = sector[..EntryLength];
        validation[0] = 1;
        validation[1] = (byte)first.Image.Platform;
        validation[0x1E] = 0x55;
        validation[0x1F] = 0xAA;
        ushort sum = 0;
        for (int i = 0; i < EntryLength; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16LittleEndian(validation[i..]);
        }

        BinaryPrimitives.WriteUInt16LittleEndian(validation[0x1C..], (ushort)(0x10000 - sum));

        WriteBootEntry(sector.Slice(EntryLength, EntryLength), first.Image, first.Lba, first.Length);
        int at = 2 * EntryLength;
        for (int i = 1; i < images.Count; i++)
        {
            var header = sector.Slice(at, EntryLength);
            header[0] = i == images.Count - 1 ? SectionHeaderFinal : SectionHeaderMore;
            header[1] = (byte)images[i].Image.Platform;
            BinaryPrimitives.WriteUInt16LittleEndian(header[2..], 1);
            WriteBootEntry(sector.Slice(at + EntryLength, EntryLength), images[i].Image, images[i].Lba, images[i].Length);
            at += 2 * EntryLength;
        }
    }

    /// <summary>Validation + default entry, then a header and an entry for each further image, in one sector.</summary>
    public const int MaxImages = 32;

    private static void WriteBootEntry(Span<byte> entry, ElToritoImage image, long lba, long length)
    {
        entry[0] = Bootable;
        entry[1] = 0; // no emulation
        BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], 0); // load segment 0 means the traditional 0x7C0
        entry[4] = 0;
        long sectors = image.LoadSectors ?? ((length + 511) / 512);
        BinaryPrimitives.WriteUInt16LittleEndian(entry[6..], (ushort)Math.Clamp(sectors, 1, ushort.MaxValue));
        Endian.Le32(entry[8..], lba);
    }

    /// <summary>
    /// mkisofs' boot information table: primary volume descriptor LBA, boot file LBA and length, and the
    /// sum of every 32-bit little-endian word from byte 64 to the end. GRUB's cdboot reads its own location here.
    /// </summary>
    public static void PatchBootInfoTable(Span<byte> image, long imageLba)
    {
        if (image.Length < BootInfoChecksumStart)
        {
            throw new InvalidDataException($"boot image of {image.Length} bytes is too small for a boot information table");
        }

        uint checksum = 0;
        Span<byte> word = stackalloc byte[4];
        for (int i = BootInfoChecksumStart; i < image.Length; i += 4)
        {
            word.Clear();
            image.Slice(i, Math.Min(4, image.Length - i)).CopyTo(word);
            checksum += BinaryPrimitives.ReadUInt32LittleEndian(word);
        }

        var table = image.Slice(BootInfoTableOffset, BootInfoTableLength);
        table.Clear();
        Endian.Le32(table, IsoLayout.PrimaryVolumeDescriptorLba);
        Endian.Le32(table[4..], imageLba);
        Endian.Le32(table[8..], image.Length);
        Endian.Le32(table[12..], checksum);
    }
}
