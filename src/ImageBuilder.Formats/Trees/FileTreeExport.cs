using System.Runtime.InteropServices;

namespace ImageBuilder.Formats.Trees;

/// <summary>
/// Writes a tree out as a host directory, for tools that only read directories (mke2fs -d). Files whose host inode
/// already has the wanted mode and owner are hard-linked, not copied, so a root filesystem of hundreds of MB is
/// staged in a moment; everything else is created with the tree's mode and owner (needs root for foreign owners).
/// </summary>
public static partial class FileTreeExport
{
    public static void ToDirectory(FileTree tree, string directory)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        var directories = new List<FsDirectory>();
        foreach (var entry in tree.All)
        {
            string target = Path.Combine(directory, entry.Path);
            switch (entry)
            {
                case FsDirectory d:
                    Directory.CreateDirectory(target);
                    directories.Add(d);
                    break;
                case FsFile { Content: HostFileContent host } f when SameInode(host.HostPath, f):
                    Check(Link(host.HostPath, target), "link", target);
                    break;
                case FsFile f:
                    using (var source = f.Content.OpenRead())
                    using (var output = File.Create(target))
                    {
                        source.CopyTo(output);
                    }

                    Own(target, f);
                    break;
                case FsSymlink l:
                    File.CreateSymbolicLink(target, l.Target);
                    Check(LChown(target, l.Uid, l.Gid), "lchown", target);
                    break;
                case FsDevice dev:
                    ulong number = ((ulong)(uint)dev.Major << 8) | (uint)dev.Minor;
                    Check(MkNod(target, (uint)dev.UnixMode, number), "mknod", target);
                    Own(target, dev);
                    break;
            }
        }

        // Directories last: a read-only directory mode would stop us from filling it.
        foreach (var d in directories)
        {
            Own(Path.Combine(directory, d.Path), d);
        }
    }

    private static bool SameInode(string hostPath, FsFile file)
    {
        var stat = HostFileStatus.Of(hostPath);
        return stat.Type == HostFileStatus.Regular && stat.Uid == file.Uid && stat.Gid == file.Gid
            && ((int)File.GetUnixFileMode(hostPath) & 0xFFF) == ((int)file.Permissions & 0xFFF);
    }

    private static void Own(string path, FsEntry entry)
    {
        Check(LChown(path, entry.Uid, entry.Gid), "lchown", path);
        File.SetUnixFileMode(path, entry.Permissions);
    }

    private static void Check(int result, string call, string path)
    {
        if (result != 0)
        {
            throw new IOException($"{call} failed for {path} (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string newPath);

    [LibraryImport("libc", EntryPoint = "lchown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LChown(string path, int uid, int gid);

    [LibraryImport("libc", EntryPoint = "mknod", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkNod(string path, uint mode, ulong device);
}
