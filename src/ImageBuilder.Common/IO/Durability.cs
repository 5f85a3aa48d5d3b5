using System.Runtime.InteropServices;

namespace ImageBuilder.Common.IO;

/// <summary>Flushes a file system to disk before a rename publishes what was written on it.</summary>
public static partial class Durability
{
    private const int ReadOnly = 0;

    public static void SyncFileSystemOf(string path)
    {
        int fd = Open(path, ReadOnly);
        if (fd < 0)
        {
            return;
        }

        _ = SyncFs(fd);
        _ = Close(fd);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "syncfs")]
    private static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
