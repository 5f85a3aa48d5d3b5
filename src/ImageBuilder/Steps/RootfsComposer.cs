using ImageBuilder.Formats.Trees;

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
    public static FileTree.Builder AddOverlays(this FileTree.Builder builder, IEnumerable<string> overlayDirectories)
    {
        ArgumentNullException.ThrowIfNull(overlayDirectories);
        foreach (string overlay in overlayDirectories)
        {
            builder.AddOverlay(overlay);
        }

        return builder;
    }

    /// <summary>Overlays as a step's key inputs: their content counts, in order, not where they are.</summary>
    public static IEnumerable<(string Name, string HostPath)> OverlayInputs(IEnumerable<string> overlayDirectories) =>
        overlayDirectories.Select((o, i) => ($"overlay{i}", o));

    /// <summary>
    /// Adds an overlay from the source tree. Its modes are normalised to 0755/0644 by the executable bit, as git
    /// records them, so a checkout's umask cannot change the image.
    /// </summary>
    public static FileTree.Builder AddOverlay(this FileTree.Builder builder, string overlayDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var overlay = FileTree.FromDirectory(overlayDirectory);
        foreach (var entry in overlay.All)
        {
            switch (entry)
            {
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
