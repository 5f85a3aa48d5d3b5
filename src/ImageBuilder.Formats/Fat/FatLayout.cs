using ImageBuilder.Formats.Trees;

namespace ImageBuilder.Formats.Fat;

/// <summary>
/// The pure layout pass of a FAT volume: picks FAT12/16/32 and the cluster size from the volume size (as
/// mkfs.fat does), then assigns clusters to directories (breadth first) and files (path order).
/// </summary>
public sealed class FatLayout
{
    public const int SectorSize = 512;
    public const int EntrySize = 32;
    public const int FirstCluster = 2;
    private const int Fat16RootEntries = 512;
    private const long Fat12Limit = 16L << 20;
    private const long Fat16Limit = 512L << 20;

    private FatLayout(FileTree tree, FatOptions options)
    {
        Tree = tree;
        Options = options;
    }

    public FileTree Tree { get; }

    public FatOptions Options { get; }

    public FatType Type { get; private set; }

    public int SectorsPerCluster { get; private set; }

    public int ReservedSectors { get; private set; }

    public int FatSectors { get; private set; }

    public int RootEntryCount { get; private set; }

    public int RootDirectorySectors => RootEntryCount * EntrySize / SectorSize;

    public long TotalSectors { get; private set; }

    public long ClusterCount { get; private set; }

    public long UsedClusters { get; private set; }

    public int ClusterSize => SectorsPerCluster * SectorSize;

    public long FirstDataSector => ReservedSectors + (2L * FatSectors) + RootDirectorySectors;

    public long TotalBytes => TotalSectors * SectorSize;

    internal List<FatDirectory> Directories { get; } = [];

    internal List<FatFile> Files { get; } = [];

    internal FatDirectory Root => Directories[0];

    public static FatLayout Compute(FileTree tree, FatOptions options)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(options);
        var layout = new FatLayout(tree, options);
        layout.CollectDirectories();
        long size = options.SizeBytes ?? layout.EstimateSize();
        while (true)
        {
            layout.ChooseGeometry(size);
            long needed = layout.ClustersNeeded();
            if (needed <= layout.ClusterCount)
            {
                break;
            }

            if (options.SizeBytes is not null)
            {
                throw new ArgumentException($"content needs {needed} clusters of {layout.ClusterSize} bytes; a {size}-byte {layout.Type} volume has {layout.ClusterCount}");
            }

            size += ((needed - layout.ClusterCount) * layout.ClusterSize) + (size / 16);
        }

        layout.AssignClusters();
        return layout;
    }

    public long SectorOfCluster(long cluster) => FirstDataSector + ((cluster - FirstCluster) * SectorsPerCluster);

    private void CollectDirectories()
    {
        var byPath = new Dictionary<string, FatDirectory>(StringComparer.Ordinal) { [string.Empty] = new FatDirectory(string.Empty, null) };
        foreach (var entry in Tree.All)
        {
            var parent = byPath[entry.ParentPath];
            switch (entry)
            {
                case FsDirectory d:
                    var dir = new FatDirectory(d.Path, parent);
                    byPath[d.Path] = dir;
                    parent.Children.Add(new FatChild(d.Name, dir, null));
                    break;
                case FsFile f:
                    var file = new FatFile(f);
                    Files.Add(file);
                    parent.Children.Add(new FatChild(f.Name, null, file));
                    break;
                default:
                    throw new ArgumentException($"FAT has no symlinks or device nodes: {entry.Path}");
            }
        }

        // Breadth first, as the ISO writer lays out directories.
        var queue = new Queue<FatDirectory>([byPath[string.Empty]]);
        while (queue.Count > 0)
        {
            var dir = queue.Dequeue();
            Directories.Add(dir);
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var child in dir.Children)
            {
                child.ShortName = FatNames.ShortName(child.Name, used);
                child.NeedsLongName = !FatNames.IsExact8Dot3(child.Name);
                if (child.Directory is { } sub)
                {
                    queue.Enqueue(sub);
                }
            }

            int entries = dir.Children.Sum(c => 1 + (c.NeedsLongName ? (c.Name.Length + 12) / 13 : 0));
            dir.EntryCount = entries + (dir.Parent is null ? 1 : 2); // volume label in root, "." and ".." elsewhere
        }
    }

    private long EstimateSize()
    {
        long content = Files.Sum(f => RoundUp(f.Entry.Content.Length, 4096)) + Directories.Sum(d => RoundUp((long)d.EntryCount * EntrySize, 4096));
        long size = content + Options.SlackBytes + (content / 32) + (64 * 1024);
        return Math.Max(size, 1L << 20);
    }

    private void ChooseGeometry(long sizeBytes)
    {
        TotalSectors = RoundUp(sizeBytes, SectorSize) / SectorSize;
        if (sizeBytes < Fat12Limit)
        {
            Type = FatType.Fat12;
        }
        else if (sizeBytes < Fat16Limit)
        {
            Type = FatType.Fat16;
        }
        else
        {
            Type = FatType.Fat32;
        }

        ReservedSectors = Type == FatType.Fat32 ? 32 : 1;
        RootEntryCount = Type == FatType.Fat32 ? 0 : Fat16RootEntries;
        long maxClusters = Type switch { FatType.Fat12 => 4084, FatType.Fat16 => 65524, _ => 0x0FFFFFF5 - 2 };
        SectorsPerCluster = Type == FatType.Fat32 ? 8 : 1;
        while (true)
        {
            ComputeFatSize();
            if (ClusterCount <= maxClusters || SectorsPerCluster == 128)
            {
                break;
            }

            SectorsPerCluster *= 2;
        }

        if (Type == FatType.Fat16 && ClusterCount < 4085)
        {
            throw new ArgumentException($"a {sizeBytes}-byte volume is too small for FAT16 clusters");
        }

        if (Type == FatType.Fat32 && ClusterCount < 65525)
        {
            throw new ArgumentException($"a {sizeBytes}-byte volume is too small for FAT32");
        }
    }

    private void ComputeFatSize()
    {
        int bitsPerEntry = (int)Type;
        FatSectors = 1;
        for (int i = 0; i < 8; i++)
        {
            long dataSectors = TotalSectors - ReservedSectors - (2L * FatSectors) - RootDirectorySectors;
            ClusterCount = Math.Max(0, dataSectors / SectorsPerCluster);
            int needed = (int)RoundUp(((ClusterCount + 2) * bitsPerEntry + 7) / 8, SectorSize) / SectorSize;
            if (needed == FatSectors)
            {
                break;
            }

            FatSectors = needed;
        }
    }

    private long ClustersNeeded()
    {
        long dirs = Directories.Where(d => d.Parent is not null || Type == FatType.Fat32).Sum(d => ClustersFor((long)d.EntryCount * EntrySize));
        if (Type != FatType.Fat32 && Root.EntryCount > RootEntryCount)
        {
            throw new ArgumentException($"the FAT root directory holds {RootEntryCount} entries; this tree needs {Root.EntryCount}");
        }

        return dirs + Files.Sum(f => ClustersFor(f.Entry.Content.Length));
    }

    private void AssignClusters()
    {
        long next = FirstCluster;
        foreach (var dir in Directories)
        {
            if (dir.Parent is null && Type != FatType.Fat32)
            {
                continue; // FAT12/16 keep the root in its own region
            }

            dir.FirstCluster = next;
            dir.Clusters = Math.Max(1, ClustersFor((long)dir.EntryCount * EntrySize));
            next += dir.Clusters;
        }

        foreach (var file in Files.OrderBy(f => f.Entry.Path, StringComparer.Ordinal))
        {
            long clusters = ClustersFor(file.Entry.Content.Length);
            file.FirstCluster = clusters == 0 ? 0 : next;
            next += clusters;
        }

        UsedClusters = next - FirstCluster;
    }

    internal long ClustersFor(long bytes) => (bytes + ClusterSize - 1) / ClusterSize;

    private static long RoundUp(long value, long unit) => (value + unit - 1) / unit * unit;
}

internal sealed class FatDirectory(string path, FatDirectory? parent)
{
    public string Path { get; } = path;

    public FatDirectory? Parent { get; } = parent;

    public List<FatChild> Children { get; } = [];

    public int EntryCount { get; set; }

    public long FirstCluster { get; set; }

    public long Clusters { get; set; }
}

internal sealed class FatChild(string name, FatDirectory? directory, FatFile? file)
{
    public string Name { get; } = name;

    public FatDirectory? Directory { get; } = directory;

    public FatFile? File { get; } = file;

    public byte[] ShortName { get; set; } = [];

    public bool NeedsLongName { get; set; }
}

internal sealed class FatFile(FsFile entry)
{
    public FsFile Entry { get; } = entry;

    public long FirstCluster { get; set; }
}
