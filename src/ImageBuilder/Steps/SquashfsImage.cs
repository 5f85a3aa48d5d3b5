using System.Globalization;
using ImageBuilder.Common.Processes;
using ImageBuilder.Formats.Squashfs;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// Writes a composed tree as a squashfs image with squashfs-tools-ng: a pack file lists every entry with its mode and
/// owner; file bytes are read from the cache where they already are, and in-memory files are staged beside the pack
/// file. Every time stamp is the epoch, so the same tree gives the same image.
/// </summary>
public static class SquashfsImage
{
    public const string Compressor = "zstd";

    // gensquashfs defaults to level 15: 4x the time of level 8 for ~5 % less size on a Dom0 root.
    public const string CompressorOptions = "level=8";

    /// <summary>gensquashfs compresses on every core; a step writing an image counts them all (<see cref="Step.Cores"/>).</summary>
    public static int Jobs => Environment.ProcessorCount;

    /// <summary>What a step's key records about how its image is compressed.</summary>
    public const string Settings = Compressor + ":" + CompressorOptions;

    public static async Task WriteAsync(FileTree tree, string image, long epochSeconds, StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(context);
        string staging = context.Output(".pack");
        Directory.CreateDirectory(staging);
        int staged = 0;
        string LocationOf(FsFile file)
        {
            if (file.Content is HostFileContent host)
            {
                return host.HostPath;
            }

            string path = Path.Combine(staging, (staged++).ToString(CultureInfo.InvariantCulture));
            using var source = file.Content.OpenRead();
            using var output = File.Create(path);
            source.CopyTo(output);
            return path;
        }

        string packFile = Path.Combine(staging, "pack.txt");
        await using (var writer = new StreamWriter(packFile))
        {
            SquashfsPackFile.Write(tree, writer, LocationOf);
        }

        string epoch = epochSeconds.ToString(CultureInfo.InvariantCulture);
        var spec = ProcessSpec.Of(
                "gensquashfs",
                "--pack-file", packFile,
                "--compressor", Compressor,
                "--comp-extra", CompressorOptions,
                "--defaults", $"mtime={epoch}",
                "--num-jobs", Jobs.ToString(CultureInfo.InvariantCulture),
                "--force",
                image)
            .WithEnvironment("SOURCE_DATE_EPOCH", epoch)
            .LoggingTo(context.LogFile) with
        {
            Hint = "apt-get install squashfs-tools-ng",
        };
        await ProcessRunner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
        Directory.Delete(staging, recursive: true);
    }
}
