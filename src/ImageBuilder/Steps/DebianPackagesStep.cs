using System.Collections.Immutable;
using ImageBuilder.Common;
using ImageBuilder.Common.Processes;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// Downloads packages and their dependencies from the Debian archive and extracts them into root/, without
/// running maintainer scripts (mmdebstrap's extract variant). apt verifies the InRelease signature against
/// the recipe's keyring and every .deb against the signed index, so nothing unverified gets through.
/// Output: root/ and packages.tsv (name, version, architecture of everything extracted).
/// </summary>
public sealed class DebianPackagesStep(string set, PackageSetParameters parameters) : Step<PackageSetParameters>($"packages/{set}", parameters)
{
    public const string RootFolder = "root";
    public const string ManifestFile = "packages.tsv";

    public override string Kind => "debian-packages";

    public override int Revision => 2;

    public override string Description => $"fetch {string.Join(", ", Parameters.Packages)} from {Parameters.Archive.Suite}";

    public ImmutableArray<string> Packages => Parameters.Packages;

    /// <summary>The extracted root of this package set, as a later step sees it.</summary>
    public string RootIn(StepContext context, params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Path.Combine([context.OutputOf(this), RootFolder, .. parts]);
    }

    public override IEnumerable<string> Tools => ["mmdebstrap", "apt-get"];

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string root = context.Output(RootFolder);
        var spec = Mmdebstrap.Command(Parameters.Archive, "extract", Parameters.Packages, root, ["--skip=cleanup/apt/cache"], context.LogFile);
        await ProcessRunner.RunAsync(spec, cancellationToken).ConfigureAwait(false);

        string archives = Path.Combine(root, "var/cache/apt/archives");
        var debs = Directory.GetFiles(archives, "*.deb");
        if (debs.Length == 0)
        {
            throw new ImageBuilderException($"mmdebstrap extracted no packages (log: {context.LogFile})");
        }

        var lines = debs.Select(PackageLine).Order(StringComparer.Ordinal);
        await File.WriteAllLinesAsync(context.Output(ManifestFile), lines, cancellationToken).ConfigureAwait(false);

        // apt's own state (the .debs, its lists, its binary caches, which differ on every run) is no part of the
        // packages: without it the same key gives the same entry, byte for byte.
        foreach (string state in (string[])["var/cache/apt", "var/lib/apt"])
        {
            Directory.Delete(Path.Combine(root, state), recursive: true);
        }
    }

    /// <summary>apt names files NAME_VERSION_ARCH.deb with ':' (epochs) escaped as %3a.</summary>
    internal static string PackageLine(string debPath)
    {
        string[] parts = Path.GetFileNameWithoutExtension(debPath).Split('_');
        if (parts.Length != 3)
        {
            throw new ImageBuilderException($"unexpected package file name: {Path.GetFileName(debPath)}");
        }

        return $"{parts[0]}\t{Uri.UnescapeDataString(parts[1])}\t{parts[2]}";
    }
}

/// <summary>What a package set step reads: the archive and the packages (sorted: the order does not matter to apt).</summary>
public sealed record PackageSetParameters(ArchiveSource Archive, ImmutableArray<string> Packages)
{
    public static PackageSetParameters Of(ArchiveSource archive, IEnumerable<string> packages) =>
        new(archive, [.. packages.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
}
