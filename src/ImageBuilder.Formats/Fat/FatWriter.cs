using System.Buffers.Binary;
using System.Text;
using ImageBuilder.Formats.Binary;
using ImageBuilder.Formats.Trees;

namespace ImageBuilder.Formats.Fat;

/// <summary>Streams a <see cref="FatLayout"/>: boot sector(s), two FATs, root directory, then clusters in order.</summary>
public static class FatWriter
{
    private const int Sector = FatLayout.SectorSize;
    private const byte AttrDirectory = 0x10;
    private const byte AttrArchive = 0x20;
    private const byte AttrVolumeLabel = 0x08;
    private const int Fat32FsInfoSector = 1;
    private const int Fat32BackupBootSector = 6;

    public static void Write(FatLayout layout, Stream output)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(output);
        var sink = new CountingSink(output, "FAT");
        var boot = BootSector(layout);
        var reserved = new byte[layout.ReservedSectors * Sector];
        boot.CopyTo(reserved, 0);
        if (layout.Type == FatType.Fat32)
        {
            FsInfo(layout).CopyTo(reserved, Fat32FsInfoSector * Sector);
            boot.CopyTo(reserved, Fat32BackupBootSector * Sector);
            FsInfo(layout).CopyTo(reserved, (Fat32BackupBootSector + 1) * Sector);
        }

        sink.Write(reserved);
        byte[] fat = AllocationTable(layout);
        sink.Write(fat);
        sink.Write(fat);
        if (layout.Type != FatType.Fat32)
        {
            var root = new byte[layout.RootDirectorySectors * Sector];
            DirectoryEntries(layout, layout.Root).CopyTo(root, 0);
            sink.Write(root);
        }

        sink.Expect(layout.FirstDataSector * Sector);
        foreach (var dir in layout.Directories.Where(d => d.FirstCluster != 0))
        {
            sink.Expect(layout.SectorOfCluster(dir.FirstCluster) * Sector);
            var bytes = new byte[dir.Clusters * layout.ClusterSize];
            DirectoryEntries(layout, dir).CopyTo(bytes, 0);
            sink.Write(bytes);
        }

        foreach (var file in layout.Files.Where(f => f.FirstCluster != 0).OrderBy(f => f.FirstCluster))
        {
            sink.Expect(layout.SectorOfCluster(file.FirstCluster) * Sector);
            using var source = file.Entry.Content.OpenRead();
            long length = file.Entry.Content.Length;
            ExactCopy.Copy(source, length, file.Entry.Path, sink.Write);
            sink.Zeros((layout.ClustersFor(length) * layout.ClusterSize) - length);
        }

        sink.ZerosTo(layout.TotalSectors * Sector);
        output.Flush();
    }

    private static byte[] BootSector(FatLayout layout)
    {
        var b = new byte[Sector];
        bool fat32 = layout.Type == FatType.Fat32;
        b[0] = 0xEB;
        b[1] = fat32 ? (byte)0x58 : (byte)0x3C;
        b[2] = 0x90;
        Endian.Padded(b.AsSpan(3, 8), "IMGBLDR");
        Endian.Le16(b.AsSpan(11), Sector);
        b[13] = (byte)layout.SectorsPerCluster;
        Endian.Le16(b.AsSpan(14), layout.ReservedSectors);
        b[16] = 2;
        Endian.Le16(b.AsSpan(17), layout.RootEntryCount);
        Endian.Le16(b.AsSpan(19), layout.TotalSectors < 0x10000 && !fat32 ? (int)layout.TotalSectors : 0);
        b[21] = 0xF8;
        Endian.Le16(b.AsSpan(22), fat32 ? 0 : layout.FatSectors);
        Endian.Le16(b.AsSpan(24), 32);
        Endian.Le16(b.AsSpan(26), 64);
        Endian.Le32(b.AsSpan(28), 0);
        Endian.Le32(b.AsSpan(32), layout.TotalSectors < 0x10000 && !fat32 ? 0 : layout.TotalSectors);
        int ext = 36;
        if (fat32)
        {
            Endian.Le32(b.AsSpan(36), layout.FatSectors);
            Endian.Le16(b.AsSpan(40), 0);
            Endian.Le16(b.AsSpan(42), 0);
            Endian.Le32(b.AsSpan(44), layout.Root.FirstCluster);
            Endian.Le16(b.AsSpan(48), Fat32FsInfoSector);
            Endian.Le16(b.AsSpan(50), Fat32BackupBootSector);
            ext = 64;
        }

        b[ext] = 0x80;
        b[ext + 2] = 0x29;
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(ext + 3), layout.Options.VolumeSerial);
        Endian.Padded(b.AsSpan(ext + 7, 11), Label(layout.Options.VolumeLabel));
        Endian.Padded(b.AsSpan(ext + 18, 8), layout.Type switch { FatType.Fat12 => "FAT12", FatType.Fat16 => "FAT16", _ => "FAT32" });
        b[510] = 0x55;
        b[511] = 0xAA;
        return b;
    }

    private static byte[] FsInfo(FatLayout layout)
    {
        var s = new byte[Sector];
        Endian.Le32(s, 0x41615252);
        Endian.Le32(s.AsSpan(484), 0x61417272);
        Endian.Le32(s.AsSpan(488), layout.ClusterCount - layout.UsedClusters);
        Endian.Le32(s.AsSpan(492), FatLayout.FirstCluster + layout.UsedClusters);
        Endian.Le32(s.AsSpan(508), 0xAA550000);
        return s;
    }

    private static byte[] AllocationTable(FatLayout layout)
    {
        var fat = new byte[layout.FatSectors * Sector];
        long endOfChain = layout.Type switch { FatType.Fat12 => 0xFFF, FatType.Fat16 => 0xFFFF, _ => 0x0FFFFFFF };
        SetEntry(fat, layout.Type, 0, endOfChain & ~0xFL | 0x8);
        SetEntry(fat, layout.Type, 1, endOfChain);
        void Chain(long first, long count)
        {
            for (long i = 0; i < count; i++)
            {
                SetEntry(fat, layout.Type, first + i, i == count - 1 ? endOfChain : first + i + 1);
            }
        }

        foreach (var dir in layout.Directories.Where(d => d.FirstCluster != 0))
        {
            Chain(dir.FirstCluster, dir.Clusters);
        }

        foreach (var file in layout.Files.Where(f => f.FirstCluster != 0))
        {
            Chain(file.FirstCluster, layout.ClustersFor(file.Entry.Content.Length));
        }

        return fat;
    }

    private static void SetEntry(byte[] fat, FatType type, long cluster, long value)
    {
        switch (type)
        {
            case FatType.Fat12:
                int at = (int)(cluster * 3 / 2);
                if (cluster % 2 == 0)
                {
                    fat[at] = (byte)value;
                    fat[at + 1] = (byte)((fat[at + 1] & 0xF0) | (int)((value >> 8) & 0x0F));
                }
                else
                {
                    fat[at] = (byte)((fat[at] & 0x0F) | (int)((value << 4) & 0xF0));
                    fat[at + 1] = (byte)(value >> 4);
                }

                break;
            case FatType.Fat16:
                Endian.Le16(fat.AsSpan((int)(cluster * 2)), (int)value);
                break;
            default:
                Endian.Le32(fat.AsSpan((int)(cluster * 4)), value);
                break;
        }
    }

    private static byte[] DirectoryEntries(FatLayout layout, FatDirectory dir)
    {
        var bytes = new byte[dir.EntryCount * FatLayout.EntrySize];
        int at = 0;
        var time = layout.Options.Time;
        void Add(byte[] entry)
        {
            entry.CopyTo(bytes, at);
            at += FatLayout.EntrySize;
        }

        if (dir.Parent is null)
        {
            Add(ShortEntry(Encoding.ASCII.GetBytes(Label(layout.Options.VolumeLabel)), AttrVolumeLabel, 0, 0, time));
        }
        else
        {
            Add(ShortEntry(Encoding.ASCII.GetBytes(".          "), AttrDirectory, dir.FirstCluster, 0, time));
            long parentCluster = dir.Parent.Parent is null && layout.Type != FatType.Fat32 ? 0 : dir.Parent.FirstCluster;
            Add(ShortEntry(Encoding.ASCII.GetBytes("..         "), AttrDirectory, dir.Parent.Parent is null ? 0 : parentCluster, 0, time));
        }

        foreach (var child in dir.Children)
        {
            if (child.NeedsLongName)
            {
                foreach (var lfn in FatNames.LongNameEntries(child.Name, FatNames.Checksum(child.ShortName)))
                {
                    Add(lfn);
                }
            }

            Add(child.Directory is { } sub
                ? ShortEntry(child.ShortName, AttrDirectory, sub.FirstCluster, 0, time)
                : ShortEntry(child.ShortName, AttrArchive, child.File!.FirstCluster, child.File.Entry.Content.Length, time));
        }

        return bytes;
    }

    private static byte[] ShortEntry(byte[] name, byte attributes, long cluster, long size, DateTime time)
    {
        var e = new byte[FatLayout.EntrySize];
        name.CopyTo(e, 0);
        e[11] = attributes;
        var (date, clock) = FatTime(time);
        Endian.Le16(e.AsSpan(14), clock);
        Endian.Le16(e.AsSpan(16), date);
        Endian.Le16(e.AsSpan(18), date);
        Endian.Le16(e.AsSpan(20), (int)((cluster >> 16) & 0xFFFF));
        Endian.Le16(e.AsSpan(22), clock);
        Endian.Le16(e.AsSpan(24), date);
        Endian.Le16(e.AsSpan(26), (int)(cluster & 0xFFFF));
        Endian.Le32(e.AsSpan(28), size);
        return e;
    }

    /// <summary>FAT dates run from 1980 to 2107 with two-second resolution.</summary>
    private static (int Date, int Time) FatTime(DateTime t)
    {
        if (t.Year < 1980)
        {
            t = new DateTime(1980, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        }
        else if (t.Year > 2107)
        {
            t = new DateTime(2107, 12, 31, 23, 59, 58, DateTimeKind.Utc);
        }

        return (((t.Year - 1980) << 9) | (t.Month << 5) | t.Day, (t.Hour << 11) | (t.Minute << 5) | (t.Second / 2));
    }

    private static string Label(string label)
    {
        string upper = label.ToUpperInvariant();
        return (upper.Length > 11 ? upper[..11] : upper).PadRight(11);
    }
}

/// <summary>Layout + write in one call.</summary>
public static class FatImage
{
    public static FatLayout Write(FileTree tree, FatOptions options, Stream output)
    {
        var layout = FatLayout.Compute(tree, options);
        FatWriter.Write(layout, output);
        return layout;
    }
}
