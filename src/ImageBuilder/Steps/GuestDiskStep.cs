using System.Globalization;
using System.Text;
using ImageBuilder.Common.Processes;
using ImageBuilder.Formats.Partitions;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;
using ImageBuilder.Recipes;

namespace ImageBuilder.Steps;

/// <summary>
/// A guest's writable ext4 disk, built without mounting anything: the composed root is staged as a directory (hard
/// links into the cache) and mke2fs -d copies it in. UUID and hash seed come from the recipe; every inode's times and
/// the superblock's are set to the epoch (mke2fs copies ctime from the staging files, so debugfs rewrites them).
/// </summary>
public sealed class GuestDiskStep(Recipe recipe, GuestSpec guest, DebianRootfsStep rootfs) : Step($"guest/{guest.Name}/disk", rootfs)
{
    public const string Image = "disk.ext4";

    public override string Kind => "guest-disk";

    public override string Description => $"ext4 disk for guest {guest.Name} ({guest.Disk!.SizeMiB} MiB)";

    public override object Parameters => new
    {
        guest.Name,
        guest.Disk!.SizeMiB,
        presenter = recipe.Dom0.Rootfs?.Presenter ?? false,
        overlays = guest.Overlays.Length,
        uuid = Uuid.ToString("D"),
    };

    public override IEnumerable<string> Tools => ["mke2fs", "debugfs"];

    public override int Revision => 2;

    public override IEnumerable<(string Name, string HostPath)> InputPaths => RootfsComposer.OverlayInputs(guest.Overlays);

    private Guid Uuid => Gpt.DeterministicGuid($"{recipe.Name}/{recipe.Epoch}/guest/{guest.Name}/disk");

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var builder = RootfsComposer.FromPackages([rootfs.RootIn(context)], keepOwners: true);
        builder.AddOverlays(guest.Overlays);

        builder.AddFile("etc/fstab", FileContent.FromText("/dev/xvda\t/\text4\trw,relatime\t0\t1\n"));
        LiveSystemFiles.Add(builder, guest.Name, recipe.Dom0.Rootfs?.Presenter ?? false, []);
        var tree = builder.ToTree();

        string staging = context.Output(".root");
        FileTreeExport.ToDirectory(tree, staging);
        string epoch = context.Epoch.ToString(CultureInfo.InvariantCulture);
        string uuid = Uuid.ToString("D");
        string image = context.Output(Image);
        var mkfs = ProcessSpec.Of(
                "mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-m", "0",
                "-L", guest.Name, "-U", uuid, "-E", $"hash_seed={uuid}",
                "-d", staging, image, $"{guest.Disk!.SizeMiB}M")
            .WithEnvironment("E2FSPROGS_FAKE_TIME", epoch)
            .WithEnvironment("SOURCE_DATE_EPOCH", epoch)
            .LoggingTo(context.LogFile) with
        {
            Hint = $"if the tree does not fit, raise guests[{guest.Name}].disk.size_mib",
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
