using ImageBuilder.Common;
using ImageBuilder.Common.Processes;

namespace Hv.Kernel.Sources;

/// <summary>Brings a <see cref="SourceSpec"/> into a directory as an unpacked, patched source tree.</summary>
public static class SourceFetcher
{
    public static async Task FetchAsync(SourceSpec spec, string target, string logFile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        switch (spec)
        {
            case DebianSourcePackage debian:
                await FetchDebianAsync(debian, target, logFile, cancellationToken).ConfigureAwait(false);
                break;
            case LocalTree local:
                await CopyTreeAsync(local.Path, target, logFile, cancellationToken).ConfigureAwait(false);
                break;
            case UpstreamTarball tarball:
                await FetchTarballAsync(tarball, target, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new ImageBuilderException($"unsupported source kind {spec.GetType().Name}");
        }

        SafeTree.Check(target, spec.ToString());
    }

    private static async Task FetchDebianAsync(DebianSourcePackage spec, string target, string logFile, CancellationToken cancellationToken)
    {
        string work = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(target))!, ".apt-source");
        string lists = Path.Combine(work, "lists");
        string cache = Path.Combine(work, "cache");
        string download = Path.Combine(work, "download");
        foreach (string dir in (string[])[Path.Combine(lists, "partial"), Path.Combine(cache, "archives", "partial"), download])
        {
            Directory.CreateDirectory(dir);
        }

        string sourcesList = Path.Combine(work, "sources.list");
        await File.WriteAllLinesAsync(sourcesList, spec.SourceLines.Select(l => $"deb-src [signed-by={spec.Keyring}] {l}"), cancellationToken).ConfigureAwait(false);

        // A private apt configuration: the host's sources and state are neither read nor changed.
        string[] apt =
        [
            "-o", $"Dir::Etc::SourceList={sourcesList}", "-o", "Dir::Etc::SourceParts=/dev/null", "-o", $"Dir::State::Lists={lists}",
            "-o", $"Dir::Cache={cache}", "-o", "Acquire::Languages=none", "-o", "APT::Sandbox::User=root", "-q",
        ];
        string hint = $"check that {spec.Package} {spec.Version} is in the Sources index (apt-cache showsrc {spec.Package})";
        await ProcessRunner.RunAsync(ProcessSpec.Of("apt-get", [.. apt, "update"]).LoggingTo(logFile) with { Hint = hint }, cancellationToken).ConfigureAwait(false);
        await ProcessRunner.RunAsync(ProcessSpec.Of("apt-get", [.. apt, "source", "--download-only", $"{spec.Package}={spec.Version}"]).In(download).LoggingTo(logFile) with { Hint = hint }, cancellationToken).ConfigureAwait(false);

        string dsc = Directory.GetFiles(download, "*.dsc").SingleOrDefault()
            ?? throw new ImageBuilderException($"apt-get source fetched no .dsc for {spec.Package}={spec.Version} (log: {logFile})");
        await ProcessRunner.RunAsync(ProcessSpec.Of("dpkg-source", "--no-copy", "-x", dsc, Path.GetFullPath(target)).In(download).LoggingTo(logFile) with { Hint = "apt-get install dpkg-dev" }, cancellationToken).ConfigureAwait(false);
        Directory.Delete(work, recursive: true);
    }

    private static async Task FetchTarballAsync(UpstreamTarball spec, string target, CancellationToken cancellationToken)
    {
        string download = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(target))!, "download-" + Path.GetFileName(spec.Url.AbsolutePath));
        if (spec.Url.IsFile)
        {
            File.Copy(spec.Url.LocalPath, download, overwrite: true);
        }
        else
        {
            using var http = new HttpClient();
            await using var response = await http.GetStreamAsync(spec.Url, cancellationToken).ConfigureAwait(false);
            await using var file = File.Create(download);
            await response.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }

        string actual;
        await using (var file = File.OpenRead(download))
        {
            actual = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
        }

        if (!string.Equals(actual, spec.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(download);
            throw new ImageBuilderException($"{spec.Url}: sha256 is {actual}, the recipe says {spec.Sha256.ToLowerInvariant()}; nothing was extracted");
        }

        SafeTarExtractor.Extract(download, target);
        File.Delete(download);
    }

    private static async Task CopyTreeAsync(string source, string target, string logFile, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(target);
        await ProcessRunner.RunAsync(ProcessSpec.Of("cp", "-a", "--no-target-directory", source, target).LoggingTo(logFile), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Refuses source trees whose symlinks lead outside them (an archive could otherwise write anywhere later).</summary>
public static class SafeTree
{
    public static void Check(string root, string origin)
    {
        string full = Path.GetFullPath(root).TrimEnd('/') + "/";
        foreach (var info in new DirectoryInfo(full).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            if (info.LinkTarget is not { } target)
            {
                continue;
            }

            string resolved = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(Path.GetDirectoryName(info.FullName)!, target));
            if (Path.IsPathRooted(target) || !(resolved + "/").StartsWith(full, StringComparison.Ordinal))
            {
                throw new ImageBuilderException($"{origin}: entry {Path.GetRelativePath(full, info.FullName)} is a symlink to '{target}', outside the source tree");
            }
        }
    }
}
