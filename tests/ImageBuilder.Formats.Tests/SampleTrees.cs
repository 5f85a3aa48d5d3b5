using ImageBuilder.Formats.Trees;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Formats.Tests;

internal static class SampleTrees
{
    public const long Epoch = 1700000000;

    /// <summary>Directories, nested files, a long name, mixed case, a symlink, an executable and an empty file.</summary>
    public static FileTree Mixed() => FileTree.CreateBuilder()
        .AddFile("boot/xen.gz", FileContent.FromBytes(Bytes.Pattern(70_000, 1)))
        .AddFile("boot/grub/grub.cfg", FileContent.FromText("set timeout=1\n"))
        .AddFile("bin/busybox", FileContent.FromBytes(Bytes.Pattern(5_000, 2)), (UnixFileMode)0x1ED)
        .AddSymlink("bin/sh", "busybox")
        .AddSymlink("etc/mtab", "../proc/self/mounts")
        .AddFile("etc/a-rather-long-file-name-that-exceeds-iso-limits.conf", FileContent.FromText("long\n"))
        .AddFile("etc/A-Rather-Long-File-Name-That-Exceeds-ISO-Limits.conf", FileContent.FromText("LONG\n"))
        .AddFile("etc/" + new string('n', 240), FileContent.FromText("very long name\n"))
        .AddFile("empty", FileContent.FromBytes(Array.Empty<byte>()))
        .AddDirectory("var/empty/dir")
        .ToTree();
}
