using System.Text;
using ImageBuilder.Formats.Binary;
using ImageBuilder.Formats.Trees;

namespace ImageBuilder.Formats.Iso9660;

/// <summary>Streams an <see cref="IsoLayout"/> in sector order; each source file is opened only while its extent is written.</summary>
public static class IsoWriter
{
    private const int Sector = IsoLayout.SectorSize;
    private const byte FlagDirectory = 0x02;
    private const byte FlagMultiExtent = 0x80;

    /// <summary>Writes the image; with <see cref="IsoOptions.Hybrid"/> the system area and the tail carry MBR and GPT.</summary>
    public static void Write(IsoLayout layout, Stream output)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(output);
        var sink = new CountingSink(output, "ISO");
        var hybrid = layout.Options.Hybrid;
        sink.Write(hybrid?.SystemArea(layout) ?? new byte[IsoLayout.SystemAreaSectors * Sector]);

        var sector = new byte[Sector];
        WritePrimaryVolumeDescriptor(layout, sector);
        sink.Write(sector);
        if (layout.HasBootCatalog)
        {
            ElTorito.WriteBootRecord(sector, layout.BootCatalogLba);
            sink.Write(sector);
        }

        Array.Clear(sector);
        sector[0] = 0xFF;
        Encoding.ASCII.GetBytes("CD001", sector.AsSpan(1));
        sector[6] = 1;
        sink.Write(sector);

        if (layout.HasBootCatalog)
        {
            ElTorito.WriteCatalog(sector, layout.BootImages.Select(b => (b.Image, b.Extent.Lba, b.Extent.File.Content.Length)).ToList());
            sink.Write(sector);
        }

        sink.Expect(layout.PathTableLba * Sector);
        sink.Write(PathTable(layout, bigEndian: false));
        sink.Write(PathTable(layout, bigEndian: true));

        foreach (var dir in layout.Directories)
        {
            sink.Expect(dir.Lba * Sector);
            sink.Write(DirectoryExtent(layout, dir));
        }

        sink.Expect(layout.ContinuationLba * Sector);
        sink.Write(ContinuationAreas(layout));

        var patched = layout.BootImages.Where(b => b.Image.PatchBootInfoTable || b.Image.PatchGrubBootInfo).ToDictionary(b => b.Extent, b => b.Image);
        byte[]? Patched(FileExtent file) => patched.TryGetValue(file, out var image) ? PatchedBootImage(file, image) : null;
        if (output is FileStream { CanSeek: true } file && file.Position == sink.Position)
        {
            // Positioned writes from every core into the pre-sized file; see ParallelExtentWriter.
            file.Flush();
            file.SetLength(layout.TotalBytes);
            ParallelExtentWriter.Write(layout, file.SafeFileHandle, Patched);
            file.Position = layout.DataSectors * Sector;
            sink.Skip(layout.DataSectors * Sector);
        }
        else
        {
            foreach (var extent in layout.Files)
            {
                sink.Expect(extent.Lba * Sector);
                if (Patched(extent) is { } bytes)
                {
                    sink.Write(bytes);
                    sink.PadTo(Sector);
                }
                else
                {
                    CopyFile(sink, extent);
                }
            }
        }

        sink.Expect(layout.DataSectors * Sector);
        if (hybrid is not null)
        {
            sink.Write(hybrid.Trailer(layout));
        }

        sink.Expect(layout.TotalSectors * Sector);
        output.Flush();
    }

    private static void WritePrimaryVolumeDescriptor(IsoLayout layout, Span<byte> d)
    {
        var o = layout.Options;
        d.Clear();
        d[0] = 1;
        Encoding.ASCII.GetBytes("CD001", d[1..]);
        d[6] = 1;
        Endian.Padded(d.Slice(8, 32), o.SystemId);
        Endian.Padded(d.Slice(40, 32), o.VolumeId);
        Endian.Both32(d[80..], layout.TotalSectors);
        Endian.Both16(d[120..], 1);
        Endian.Both16(d[124..], 1);
        Endian.Both16(d[128..], Sector);
        Endian.Both32(d[132..], layout.PathTableSize);
        Endian.Le32(d[140..], layout.PathTableLba);
        Endian.Be32(d[148..], layout.PathTableBigEndianLba);
        WriteRecord(d.Slice(156, 34), "\0", layout.Root.Lba, layout.Root.Size, FlagDirectory, SuspBlock.None, o.Time, includeSusp: false);
        Endian.Padded(d.Slice(190, 128), o.VolumeSetId);
        Endian.Padded(d.Slice(318, 128), o.PublisherId);
        Endian.Padded(d.Slice(446, 128), string.Empty);
        Endian.Padded(d.Slice(574, 128), o.ApplicationId);
        Endian.Padded(d.Slice(702, 37), string.Empty);
        Endian.Padded(d.Slice(739, 37), string.Empty);
        Endian.Padded(d.Slice(776, 37), string.Empty);
        IsoDate.WriteLong(d[813..], o.Time);
        IsoDate.WriteLong(d[830..], o.Time);
        IsoDate.WriteLong(d[847..], null);
        IsoDate.WriteLong(d[864..], o.Time);
        d[881] = 1;
    }

    private static byte[] PathTable(IsoLayout layout, bool bigEndian)
    {
        var table = new byte[IsoLayout.SectorsFor(layout.PathTableSize) * Sector];
        int at = 0;
        foreach (var dir in layout.Directories)
        {
            byte[] id = Encoding.ASCII.GetBytes(dir.Identifier);
            table[at] = (byte)id.Length;
            table[at + 1] = 0;
            int parent = dir.Parent?.Number ?? 1;
            if (bigEndian)
            {
                Endian.Be32(table.AsSpan(at + 2), dir.Lba);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(table.AsSpan(at + 6), (ushort)parent);
            }
            else
            {
                Endian.Le32(table.AsSpan(at + 2), dir.Lba);
                Endian.Le16(table.AsSpan(at + 6), parent);
            }

            id.CopyTo(table, at + 8);
            at += 8 + IsoLayout.PaddedIdLength(id.Length);
        }

        return table;
    }

    private static byte[] DirectoryExtent(IsoLayout layout, DirectoryNode dir)
    {
        var time = layout.Options.Time;
        var extent = new byte[dir.Size];
        int at = 0;

        void Add(string identifier, long lba, long length, byte flags, SuspBlock susp)
        {
            int recordLength = IsoLayout.RecordLength(Encoding.ASCII.GetByteCount(identifier), susp);
            if ((at % Sector) + recordLength > Sector)
            {
                at += Sector - (at % Sector); // records never straddle a sector
            }

            WriteRecord(extent.AsSpan(at, recordLength), identifier, lba, length, flags, susp, time, includeSusp: true);
            at += recordLength;
        }

        Add("\0", dir.Lba, dir.Size, FlagDirectory, dir.Dot);
        var parent = dir.Parent ?? dir;
        Add("\u0001", parent.Lba, parent.Size, FlagDirectory, dir.DotDot);
        foreach (var record in dir.Records)
        {
            if (record.Directory is { } sub)
            {
                Add(record.Identifier, sub.Lba, sub.Size, FlagDirectory, record.Susp);
            }
            else if (record.Extent is { } file)
            {
                long lba = file.Lba + (record.ExtentOffset / Sector);
                Add(record.Identifier, lba, record.ExtentLength, record.IsLastExtent ? (byte)0 : FlagMultiExtent, record.Susp);
            }
            else
            {
                Add(record.Identifier, 0, 0, 0, record.Susp);
            }
        }

        return extent;
    }

    private static void WriteRecord(Span<byte> r, string identifier, long lba, long length, byte flags, SuspBlock susp, DateTimeOffset time, bool includeSusp)
    {
        byte[] id = Encoding.ASCII.GetBytes(identifier);
        int length0 = includeSusp ? IsoLayout.RecordLength(id.Length, susp) : 34;
        r[..length0].Clear();
        r[0] = (byte)length0;
        Endian.Both32(r[2..], lba);
        Endian.Both32(r[10..], length);
        IsoDate.WriteShort(r[18..], time);
        r[25] = flags;
        Endian.Both16(r[28..], 1);
        r[32] = (byte)id.Length;
        id.CopyTo(r[33..]);
        if (!includeSusp)
        {
            return;
        }

        int at = 33 + id.Length + (id.Length % 2 == 0 ? 1 : 0);
        susp.Inline.CopyTo(r[at..]);
        at += susp.Inline.Length;
        if (susp.Continuation.Length > 0)
        {
            RockRidge.ContinuationArea(susp.ContinuationLba, susp.ContinuationOffset, susp.Continuation.Length).CopyTo(r[at..]);
        }
    }

    private static byte[] ContinuationAreas(IsoLayout layout)
    {
        var areas = new byte[layout.ContinuationSectors * Sector];
        foreach (var block in layout.ContinuationBlocks)
        {
            int at = (int)((block.ContinuationLba - layout.ContinuationLba) * Sector) + block.ContinuationOffset;
            block.Continuation.CopyTo(areas, at);
        }

        return areas;
    }

    private static byte[] PatchedBootImage(FileExtent file, ElToritoImage boot)
    {
        byte[] image;
        using (var source = file.File.Content.OpenRead())
        {
            image = new byte[file.File.Content.Length];
            source.ReadExactly(image);
        }

        // GRUB's own patch first: the boot info table's checksum covers it.
        if (boot.PatchGrubBootInfo)
        {
            HybridDisk.PatchGrubBootInfo(image, file.Lba);
        }

        if (boot.PatchBootInfoTable)
        {
            ElTorito.PatchBootInfoTable(image, file.Lba);
        }

        return image;
    }

    private static void CopyFile(CountingSink sink, FileExtent file)
    {
        long length = file.File.Content.Length;
        if (length == 0)
        {
            return;
        }

        using var source = file.File.Content.OpenRead();
        ExactCopy.Copy(source, length, file.File.Path, sink.Write);
        sink.PadTo(Sector);
    }
}
