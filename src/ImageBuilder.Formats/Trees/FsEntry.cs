namespace ImageBuilder.Formats.Trees;

/// <summary>One node of a file tree. <see cref="Path"/> is relative, '/'-separated, without a leading slash.</summary>
public abstract record FsEntry(string Path, UnixFileMode Permissions, int Uid, int Gid)
{
    public string Name => Path[(Path.LastIndexOf('/') + 1)..];

    public string ParentPath => Path.LastIndexOf('/') is var i and >= 0 ? Path[..i] : string.Empty;

    /// <summary>The file-type bits of st_mode (S_IFDIR, S_IFREG, ...).</summary>
    public abstract int TypeBits { get; }

    public int UnixMode => TypeBits | ((int)Permissions & 0xFFF);
}

public sealed record FsDirectory(string Path, UnixFileMode Permissions, int Uid = 0, int Gid = 0)
    : FsEntry(Path, Permissions, Uid, Gid)
{
    public override int TypeBits => 0x4000;
}

public sealed record FsFile(string Path, FileContent Content, UnixFileMode Permissions, int Uid = 0, int Gid = 0)
    : FsEntry(Path, Permissions, Uid, Gid)
{
    public override int TypeBits => 0x8000;
}

public sealed record FsSymlink(string Path, string Target, int Uid = 0, int Gid = 0)
    : FsEntry(Path, (UnixFileMode)0x1FF, Uid, Gid)
{
    public override int TypeBits => 0xA000;
}

public enum DeviceKind
{
    Character,
    Block,
}

public sealed record FsDevice(string Path, DeviceKind Kind, int Major, int Minor, UnixFileMode Permissions, int Uid = 0, int Gid = 0)
    : FsEntry(Path, Permissions, Uid, Gid)
{
    public override int TypeBits => Kind == DeviceKind.Character ? 0x2000 : 0x6000;
}
