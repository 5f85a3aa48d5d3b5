namespace ImageBuilder.Formats.Trees;

/// <summary>Where a regular file's bytes come from. Sources are opened only when written.</summary>
public abstract record FileContent
{
    public abstract long Length { get; }

    public abstract Stream OpenRead();

    public static FileContent FromFile(string path) => new HostFileContent(Path.GetFullPath(path), new FileInfo(path).Length);

    public static FileContent FromBytes(ReadOnlyMemory<byte> bytes) => new MemoryContent(bytes);

    public static FileContent FromText(string text) => new MemoryContent(System.Text.Encoding.UTF8.GetBytes(text));
}

/// <summary>A file on the host; its length is taken when the tree is collected.</summary>
public sealed record HostFileContent(string HostPath, long HostLength) : FileContent
{
    public override long Length => HostLength;

    public override Stream OpenRead() =>
        new FileStream(HostPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
}

public sealed record MemoryContent(ReadOnlyMemory<byte> Bytes) : FileContent
{
    public override long Length => Bytes.Length;

    public override Stream OpenRead() => new MemoryStream(Bytes.ToArray(), writable: false);
}
