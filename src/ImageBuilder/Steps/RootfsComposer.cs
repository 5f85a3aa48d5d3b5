using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// Composes a root filesystem tree: extracted package roots first, then overlays in order (later wins),
/// as live-build and mkosi layer them. Package bookkeeping and documentation are left out.
/// </summary>
public static class RootfsComposer
{
    private static readonly string[] Excluded = ["dev", "var/cache/apt", "var/lib/apt", "etc/apt", "usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/lintian"];
    private static readonly UnixFileMode Executable = (UnixFileMode)0x1ED; // 0755
    private static readonly UnixFileMode Regular = (UnixFileMode)0x1A4; // 0644

    /// <param name="keepOwners">Keep the owners dpkg gave (an installed root); extracted packages belong to root.</param>
    public static FileTree.Builder FromPackages(IEnumerable<string> packageRoots, bool keepOwners = false)
    {
        var builder = FileTree.CreateBuilder();
        foreach (string root in packageRoots)
        {
            builder.AddTree(Without(FileTree.FromDirectory(root, keepOwners: keepOwners), Excluded));
        }

        return builder;
    }

    /// <summary>Adds overlays in order (later wins).</summary>
    public static FileTree.Builder AddOverlays(this FileTree.Builder builder, IEnumerable<HostInput> overlayDirectories)
    {
        ArgumentNullException.ThrowIfNull(overlayDirectories);
        foreach (var overlay in overlayDirectories)
        {
            builder.AddOverlay(overlay.Path);
        }

        return builder;
    }

    /// <summary>
    /// Adds an overlay from the source tree. File modes are normalised to 0755/0644 by the executable bit, as git
    /// records them, so a checkout's umask cannot change the image. A folder the tree already has keeps its entry (an
    /// overlay's tmp/ must not take /tmp's sticky bit away); a folder the overlay brings is 0755.
    /// </summary>
    public static FileTree.Builder AddOverlay(this FileTree.Builder builder, string overlayDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var overlay = FileTree.FromDirectory(overlayDirectory);
        var existing = builder.ToTree();
        foreach (var entry in overlay.All)
        {
            switch (entry)
            {
                case FsDirectory d when existing.Find(d.Path) is FsDirectory:
                    break;
                case FsDirectory d:
                    builder.AddDirectory(d.Path, Executable);
                    break;
                case FsFile f:
                    builder.AddFile(f.Path, f.Content, (f.Permissions & UnixFileMode.UserExecute) != 0 ? Executable : Regular);
                    break;
                case FsSymlink l:
                    builder.AddSymlink(l.Path, l.Target);
                    break;
            }
        }

        return builder;
    }

    private static FileTree Without(FileTree tree, IReadOnlyList<string> prefixes) =>
        tree.Where(e => !prefixes.Any(p => e.Path == p || e.Path.StartsWith(p + "/", StringComparison.Ordinal)));
}
