using System.Collections.Immutable;
using System.Text;
using ImageBuilder.Formats.Trees;

namespace ImageBuilder.Formats.Iso9660;

/// <summary>
/// The pure layout pass: assigns every directory, continuation area and file extent its sector. It reads
/// no file contents and no clock; <see cref="IsoWriter"/> then streams the image in sector order.
/// </summary>
public sealed class IsoLayout
{
    public const int SectorSize = 2048;
    public const int SystemAreaSectors = 16;
    public const long PrimaryVolumeDescriptorLba = 16;

    /// <summary>Largest extent a multi-extent file may use: 4 GiB less one sector (a sector multiple).</summary>
    public const long MaxExtentLength = 0xFFFFF800;

    private const int DirectoryRecordFixedLength = 33;
    private const int MaxDirectoryRecordLength = 255;
    private const int PathTableFixedLength = 8;

    private IsoLayout(FileTree tree, IsoOptions options)
    {
        Tree = tree;
        Options = options;
    }

    public FileTree Tree { get; }

    public IsoOptions Options { get; }

    internal List<DirectoryNode> Directories { get; } = [];

    internal List<FileExtent> Files { get; } = [];

    internal List<SuspBlock> ContinuationBlocks { get; } = [];

    internal List<(ElToritoImage Image, FileExtent Extent)> BootImages { get; } = [];

    public bool HasBootCatalog => BootImages.Count > 0;

    public long BootRecordLba { get; private set; }

    public long TerminatorLba { get; private set; }

    public long BootCatalogLba { get; private set; }

    public long PathTableLba { get; private set; }

    public long PathTableBigEndianLba { get; private set; }

    public int PathTableSize { get; private set; }

    public long ContinuationLba { get; private set; }

    public int ContinuationSectors { get; private set; }

    /// <summary>Sectors of ISO 9660 content; <see cref="TotalSectors"/> adds what a hybrid disk appends (backup GPT).</summary>
    public long DataSectors { get; private set; }

    public long TotalSectors { get; private set; }

    public long TotalBytes => TotalSectors * SectorSize;

    internal DirectoryNode Root => Directories[0];

    /// <summary>Where a file's data starts and how long it is (first extent's LBA; a multi-extent file is contiguous).</summary>
    public (long Lba, long Length) ExtentOf(string path)
    {
        string p = FileTree.NormalizePath(path);
        var extent = Files.FirstOrDefault(f => f.File.Path == p)
            ?? throw new ArgumentException($"'{path}' is not a regular file in the image", nameof(path));
        return (extent.Lba, extent.File.Content.Length);
    }

    public static IsoLayout Compute(FileTree tree, IsoOptions options)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(options);
        var layout = new IsoLayout(tree, options);
        layout.BuildHierarchy();
        layout.AssignSectors();
        return layout;
    }

    private void BuildHierarchy()
    {
        var time = Options.Time;
        var root = new DirectoryNode(string.Empty, null, null, "\0", null);
        var childEntries = new Dictionary<string, List<FsEntry>>(StringComparer.Ordinal) { [string.Empty] = [] };

        foreach (var entry in Tree.All)
        {
            childEntries[entry.ParentPath].Add(entry);
            if (entry is FsDirectory)
            {
                childEntries[entry.Path] = [];
            }
        }

        var queue = new Queue<DirectoryNode>();
        queue.Enqueue(root);
        while (queue.Count > 0)
        {
            var dir = queue.Dequeue();
            dir.Number = Directories.Count + 1;
            if (dir.Number > ushort.MaxValue)
            {
                throw new InvalidOperationException($"more than {ushort.MaxValue} directories do not fit the path table");
            }

            Directories.Add(dir);
            var children = childEntries[dir.Path];
            string[] identifiers = IsoNames.AssignUnique(children.Select(c => (c.Name, c is FsDirectory)).ToList());
            var ordered = children.Select((entry, i) => (entry, id: identifiers[i]))
                .OrderBy(c => c.id, Comparer<string>.Create(IsoNames.Compare))
                .ToList();

            foreach (var (entry, id) in ordered)
            {
                if (entry is FsDirectory d)
                {
                    var sub = new DirectoryNode(d.Path, d, dir, id, d.Name);
                    dir.Subdirectories.Add(sub);
                    dir.Records.Add(new RecordNode(id, entry, sub, null, 0, 0));
                    queue.Enqueue(sub);
                }
                else if (entry is FsFile file)
                {
                    var extent = new FileExtent(file);
                    Files.Add(extent);
                    long length = file.Content.Length;
                    long offset = 0;
                    do
                    {
                        long part = Math.Min(MaxExtentLength, length - offset);
                        dir.Records.Add(new RecordNode(id, entry, null, extent, offset, part));
                        offset += part;
                    }
                    while (offset < length);
                }
                else
                {
                    dir.Records.Add(new RecordNode(id, entry, null, null, 0, 0));
                }
            }
        }

        foreach (var dir in Directories)
        {
            int links = 2 + dir.Subdirectories.Count;
            var dotEntries = RockRidge.Describe(dir.Entry, null, links, time, 0x41ED);
            if (dir.Parent is null)
            {
                dotEntries.Insert(0, RockRidge.SharingProtocolIndicator());
                dotEntries.Add(RockRidge.ExtensionReference());
            }

            dir.Dot = Susp(dotEntries, 1);
            var parent = dir.Parent ?? dir;
            dir.DotDot = Susp(RockRidge.Describe(parent.Entry, null, 2 + parent.Subdirectories.Count, time, 0x41ED), 1);
            foreach (var record in dir.Records)
            {
                if (record.ExtentOffset > 0)
                {
                    record.Susp = dir.Records.First(r => r.Extent == record.Extent).Susp;
                    continue;
                }

                int links2 = record.Directory is { } sub ? 2 + sub.Subdirectories.Count : 1;
                record.Susp = Susp(RockRidge.Describe(record.Entry, record.Entry.Name, links2, time, 0), Encoding.ASCII.GetByteCount(record.Identifier));
            }
        }

        // Files are laid out in path order so that the image is independent of enumeration order.
        Files.Sort((a, b) => string.CompareOrdinal(a.File.Path, b.File.Path));

        foreach (var image in Options.BootImages)
        {
            if (Tree.Find(image.Path) is not FsFile)
            {
                throw new ArgumentException($"El Torito boot image '{image.Path}' is not a regular file in the tree", nameof(Options));
            }
        }

        if (Options.BootImages.Length > ElTorito.MaxImages)
        {
            throw new ArgumentException($"at most {ElTorito.MaxImages} El Torito images fit one boot catalog", nameof(Options));
        }
    }

    private SuspBlock Susp(List<byte[]> entries, int identifierLength)
    {
        int available = MaxDirectoryRecordLength - DirectoryRecordFixedLength - identifierLength - (identifierLength % 2 == 0 ? 1 : 0);
        var inline = new List<byte>();
        var continuation = new List<byte>();
        int total = entries.Sum(e => e.Length);
        bool spill = false;
        int remaining = total;
        foreach (var entry in entries)
        {
            remaining -= entry.Length;
            int reserve = remaining > 0 ? RockRidge.ContinuationEntryLength : 0;
            if (!spill && inline.Count + entry.Length + reserve <= available)
            {
                inline.AddRange(entry);
            }
            else
            {
                spill = true;
                continuation.AddRange(entry);
            }
        }

        if (continuation.Count > SectorSize)
        {
            throw new ArgumentException($"Rock Ridge data of {continuation.Count} bytes exceeds one continuation sector (very long name or symlink target)");
        }

        var block = new SuspBlock([.. inline], [.. continuation]);
        if (block.Continuation.Length > 0)
        {
            ContinuationBlocks.Add(block);
        }

        return block;
    }

    private void AssignSectors()
    {
        long next = PrimaryVolumeDescriptorLba + 1;
        if (Options.BootImages.Length > 0)
        {
            BootRecordLba = next++;
        }

        TerminatorLba = next++;
        if (Options.BootImages.Length > 0)
        {
            BootCatalogLba = next++;
        }

        PathTableSize = Directories.Sum(d => PathTableFixedLength + PaddedIdLength(Encoding.ASCII.GetByteCount(d.Identifier)));
        int pathTableSectors = SectorsFor(PathTableSize);
        PathTableLba = next;
        next += pathTableSectors;
        PathTableBigEndianLba = next;
        next += pathTableSectors;

        foreach (var dir in Directories)
        {
            dir.Size = DirectoryExtentSize(dir);
            dir.Lba = next;
            next += dir.Size / SectorSize;
        }

        ContinuationLba = next;
        int sector = 0;
        int used = 0;
        foreach (var block in ContinuationBlocks)
        {
            if (used + block.Continuation.Length > SectorSize)
            {
                sector++;
                used = 0;
            }

            block.ContinuationLba = ContinuationLba + sector;
            block.ContinuationOffset = used;
            used += block.Continuation.Length;
        }

        ContinuationSectors = ContinuationBlocks.Count == 0 ? 0 : sector + 1;
        next += ContinuationSectors;

        foreach (var file in Files)
        {
            file.Lba = next;
            next += SectorsFor(file.File.Content.Length);
        }

        foreach (var image in Options.BootImages)
        {
            var extent = Files.First(f => f.File.Path == FileTree.NormalizePath(image.Path));
            BootImages.Add((image, extent));
        }

        DataSectors = next;
        TotalSectors = next + (Options.Hybrid is null ? 0 : HybridDisk.TrailingSectors);
    }

    private static int DirectoryExtentSize(DirectoryNode dir)
    {
        int sectors = 1;
        int used = 0;
        foreach (int length in dir.AllRecordLengths())
        {
            if (used + length > SectorSize)
            {
                sectors++;
                used = 0;
            }

            used += length;
        }

        return sectors * SectorSize;
    }

    internal static int RecordLength(int identifierLength, SuspBlock susp)
    {
        int length = DirectoryRecordFixedLength + identifierLength + (identifierLength % 2 == 0 ? 1 : 0) + susp.InlineLength;
        return length + (length % 2);
    }

    internal static int PaddedIdLength(int identifierLength) => identifierLength + (identifierLength % 2);

    internal static int SectorsFor(long bytes) => checked((int)((bytes + SectorSize - 1) / SectorSize));
}

internal sealed class DirectoryNode(string path, FsDirectory? entry, DirectoryNode? parent, string identifier, string? name)
{
    public string Path { get; } = path;

    public FsDirectory? Entry { get; } = entry;

    public DirectoryNode? Parent { get; } = parent;

    public string Identifier { get; } = identifier;

    public string? Name { get; } = name;

    public List<DirectoryNode> Subdirectories { get; } = [];

    public List<RecordNode> Records { get; } = [];

    public int Number { get; set; }

    public long Lba { get; set; }

    public int Size { get; set; }

    public SuspBlock Dot { get; set; } = SuspBlock.None;

    public SuspBlock DotDot { get; set; } = SuspBlock.None;

    public IEnumerable<int> AllRecordLengths()
    {
        yield return IsoLayout.RecordLength(1, Dot);
        yield return IsoLayout.RecordLength(1, DotDot);
        foreach (var record in Records)
        {
            yield return IsoLayout.RecordLength(Encoding.ASCII.GetByteCount(record.Identifier), record.Susp);
        }
    }
}

internal sealed class RecordNode(string identifier, FsEntry entry, DirectoryNode? directory, FileExtent? extent, long extentOffset, long extentLength)
{
    public string Identifier { get; } = identifier;

    public FsEntry Entry { get; } = entry;

    public DirectoryNode? Directory { get; } = directory;

    public FileExtent? Extent { get; } = extent;

    public long ExtentOffset { get; } = extentOffset;

    public long ExtentLength { get; } = extentLength;

    public bool IsLastExtent => Extent is null || ExtentOffset + ExtentLength >= Extent.File.Content.Length;

    public SuspBlock Susp { get; set; } = SuspBlock.None;
}

internal sealed class FileExtent(FsFile file)
{
    public FsFile File { get; } = file;

    public long Lba { get; set; }
}

internal sealed class SuspBlock(byte[] inline, byte[] continuation)
{
    public static readonly SuspBlock None = new([], []);

    public byte[] Inline { get; } = inline;

    public byte[] Continuation { get; } = continuation;

    public long ContinuationLba { get; set; }

    public int ContinuationOffset { get; set; }

    public int InlineLength => Inline.Length + (Continuation.Length > 0 ? RockRidge.ContinuationEntryLength : 0);
}
