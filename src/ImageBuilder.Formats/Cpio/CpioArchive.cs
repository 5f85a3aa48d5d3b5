using System.Text;
using ImageBuilder.Formats.Trees;

namespace ImageBuilder.Formats.Cpio;

/// <summary>Writes a whole <see cref="FileTree"/> as a newc archive, in path order, owned as recorded, timed at the epoch.</summary>
public static class CpioArchive
{
    public static void Write(FileTree tree, Stream output, long epoch)
    {
        ArgumentNullException.ThrowIfNull(tree);
        using var writer = new CpioNewcWriter(output, leaveOpen: true);
        int inode = 1;
        foreach (var entry in tree.All)
        {
            var header = new CpioEntry(entry.Path, entry.UnixMode, 0, epoch)
            {
                Inode = inode++,
                Uid = entry.Uid,
                Gid = entry.Gid,
                LinkCount = entry is FsDirectory ? 2 : 1,
            };
            switch (entry)
            {
                case FsFile file:
                    using (var data = file.Content.OpenRead())
                    {
                        writer.WriteEntry(header with { FileSize = file.Content.Length }, data);
                    }

                    break;
                case FsSymlink link:
                    byte[] target = Encoding.UTF8.GetBytes(link.Target);
                    writer.WriteEntry(header with { FileSize = target.Length }, new MemoryStream(target));
                    break;
                case FsDevice device:
                    writer.WriteEntry(header with { RDevMajor = device.Major, RDevMinor = device.Minor });
                    break;
                default:
                    writer.WriteEntry(header);
                    break;
            }
        }
    }
}
