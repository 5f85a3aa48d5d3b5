using System.Globalization;
using System.Text;
using ImageBuilder.Common.Processes;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;
using System.Collections.Immutable;

namespace ImageBuilder.Steps;

/// <summary>
/// A guest's writable ext4 disk, built without mounting anything: the composed root is staged as a directory (hard
/// links into the cache) and mke2fs -d copies it in. UUID and hash seed come from the recipe; every inode's times and
/// the superblock's are set to the epoch (mke2fs copies ctime from the staging files, so debugfs rewrites them).
/// </summary>
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
        var builder = RootfsComposer.FromPackages([rootfs.RootIn(context)], keepOwners: true);
        builder.AddOverlays(Parameters.Overlays);

        builder.AddFile("etc/fstab", FileContent.FromText("/dev/xvda\t/\text4\trw,relatime\t0\t1\n"));
        LiveSystemFiles.Add(builder, Parameters.Name, Parameters.Presenter, []);
        var tree = builder.ToTree();

        string staging = context.Output(".root");
        FileTreeExport.ToDirectory(tree, staging);
        string epoch = Parameters.Epoch.ToString(CultureInfo.InvariantCulture);
        string uuid = Parameters.Uuid.ToString("D");
        string image = context.Output(Image);
        var mkfs = ProcessSpec.Of(
                "mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-m", "0",
                "-L", Parameters.Name, "-U", uuid, "-E", $"hash_seed={uuid}",
                "-d", staging, image, $"{Parameters.SizeMiB}M")
            .WithEnvironment("E2FSPROGS_FAKE_TIME", epoch)
            .WithEnvironment("SOURCE_DATE_EPOCH", epoch)
            .LoggingTo(context.LogFile) with
        {
            Hint = $"if the tree does not fit, raise guests[{Parameters.Name}].disk.size_mib",
        };
        await ProcessRunner.RunAsync(mkfs, cancellationToken).ConfigureAwait(false);
        Directory.Delete(staging, recursive: true);

        var commands = new StringBuilder();
        foreach (string path in tree.All.Select(e => "/" + e.Path).Prepend("/"))
        {
            // debugfs takes everything between the quotes as is (systemd's unit names hold backslashes).
            string quoted = "\"" + path + "\"";
            foreach (string field in (string[])["atime", "mtime", "ctime"])
            {
                commands.Append(CultureInfo.InvariantCulture, $"sif {quoted} {field} @{epoch}\n");
            }
        }

        string commandFile = context.Output("times.debugfs");
        await File.WriteAllTextAsync(commandFile, commands.ToString(), cancellationToken).ConfigureAwait(false);
        var debugfs = ProcessSpec.Of("debugfs", "-w", "-f", commandFile, image)
            .WithEnvironment("E2FSPROGS_FAKE_TIME", epoch);
        var result = await ProcessRunner.RunAsync(debugfs, cancellationToken).ConfigureAwait(false);

        // debugfs exits 0 even when a command fails; a path it could not set would keep the build's clock.
        var failures = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("debugfs ", StringComparison.Ordinal)).ToList();
        if (failures.Count > 0)
        {
            throw new Common.ImageBuilderException($"debugfs could not set inode times in {Image} ({failures.Count} error line(s)): {string.Join("; ", failures.Take(3))}");
        }

        File.Delete(commandFile);
    }
}

/// <summary>A disk guest's image: its name (label, host name), size, console policy, overlays (by content), UUID and the epoch of every inode.</summary>
public sealed record GuestDiskParameters(string Name, int SizeMiB, bool Presenter, ImmutableArray<HostInput> Overlays, Guid Uuid, long Epoch);
