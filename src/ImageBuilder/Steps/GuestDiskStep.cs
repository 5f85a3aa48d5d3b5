using System.Collections.Immutable;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>A PV or PVH guest's writable ext4 disk (<see cref="Ext4Image"/>): its Debian root, mounted from /dev/xvda.</summary>
public sealed class GuestDiskStep(DebianRootfsStep rootfs, GuestDiskParameters parameters) : Step<GuestDiskParameters>($"guest/{parameters.Name}/disk", parameters, rootfs)
{
    public const string Image = "disk.ext4";

    public override string Kind => "guest-disk";

    public override string Description => $"ext4 disk for guest {Parameters.Name} ({Parameters.SizeMiB} MiB)";

    public override IEnumerable<string> Tools => ["mke2fs", "debugfs"];

    public override int Revision => 2;

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var tree = GuestRoot.Compose(rootfs.RootIn(context), Parameters.Overlays, Parameters.Name, Parameters.Presenter, "/dev/xvda");
        await Ext4Image.WriteAsync(tree, context.Output(Image), Parameters.Name, Parameters.Uuid, Parameters.SizeMiB, Parameters.Epoch, context.LogFile, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A guest's Debian root as it boots: the installed packages, the overlays, its fstab, host name and console policy.</summary>
public static class GuestRoot
{
    public static FileTree Compose(string installedRoot, IEnumerable<HostInput> overlays, string name, bool presenter, string rootDevice)
    {
        var builder = RootfsComposer.FromPackages([installedRoot], keepOwners: true);
        builder.AddOverlays(overlays);
        builder.AddFile("etc/fstab", FileContent.FromText($"{rootDevice}\t/\text4\trw,relatime\t0\t1\n"));
        LiveSystemFiles.Add(builder, new LiveAccess(name, presenter, []));
        return builder.ToTree();
    }
}

/// <summary>A disk guest's image: its name (label, host name), size, console policy, overlays (by content), UUID and the epoch of every inode.</summary>
public sealed record GuestDiskParameters(string Name, int SizeMiB, bool Presenter, ImmutableArray<HostInput> Overlays, Guid Uuid, long Epoch);
