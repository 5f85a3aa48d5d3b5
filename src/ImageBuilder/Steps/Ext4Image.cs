using System.Globalization;
using System.Text;
using ImageBuilder.Common.Processes;
using ImageBuilder.Formats.Trees;

namespace ImageBuilder.Steps;

/// <summary>
/// A guest's root as an ext4 image, built without mounting anything: the composed tree is staged as a directory (hard
/// links into the cache) and mke2fs -d copies it in. UUID and hash seed are given; every inode's times and the
/// superblock's are set to the epoch (mke2fs copies ctime from the staging files, so debugfs rewrites them).
/// </summary>
public static class Ext4Image
{
    public static async Task WriteAsync(FileTree tree, string image, string label, Guid uuid, int sizeMiB, long epochSeconds, string logFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tree);
        string staging = image + ".root";
        FileTreeExport.ToDirectory(tree, staging);
        string epoch = epochSeconds.ToString(CultureInfo.InvariantCulture);
        string id = uuid.ToString("D");
        var mkfs = ProcessSpec.Of(
                "mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-m", "0",
                "-L", label, "-U", id, "-E", $"hash_seed={id}",
                "-d", staging, image, $"{sizeMiB}M")
            .WithEnvironment("E2FSPROGS_FAKE_TIME", epoch)
            .WithEnvironment("SOURCE_DATE_EPOCH", epoch)
            .LoggingTo(logFile) with
        {
            Hint = $"if the tree does not fit, raise guests[{label}].disk.size_mib",
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

        string commandFile = image + ".debugfs";
        await File.WriteAllTextAsync(commandFile, commands.ToString(), cancellationToken).ConfigureAwait(false);
        var debugfs = ProcessSpec.Of("debugfs", "-w", "-f", commandFile, image)
            .WithEnvironment("E2FSPROGS_FAKE_TIME", epoch);
        var result = await ProcessRunner.RunAsync(debugfs, cancellationToken).ConfigureAwait(false);

        // debugfs exits 0 even when a command fails; a path it could not set would keep the build's clock.
        var failures = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("debugfs ", StringComparison.Ordinal)).ToList();
        if (failures.Count > 0)
        {
            throw new Common.ImageBuilderException($"debugfs could not set inode times in {Path.GetFileName(image)} ({failures.Count} error line(s)): {string.Join("; ", failures.Take(3))}");
        }

        File.Delete(commandFile);
    }
}
