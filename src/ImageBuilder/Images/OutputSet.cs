using System.Security.Cryptography;
using ImageBuilder.Common.IO;

namespace ImageBuilder.Images;

/// <summary>
/// The files one build delivers under one name: the image, then its companions (NAME.iso.sha256, NAME.manifest.json),
/// each written under a temporary name first. Publishing removes the stale companions, renames the image into place and
/// the companions after it; so at every moment, a build killed included, a companion beside an image describes that
/// image (at worst an image has none yet). Builds publishing the same name take turns (a lock beside the outputs).
/// </summary>
public sealed class OutputSet
{
    private const string TemporaryMarker = ".tmp-";

    private readonly string directory;

    public OutputSet(string directory, string name)
    {
        this.directory = Path.GetFullPath(directory);
        Image = Path.Combine(this.directory, name + ".iso");
        Checksum = Image + ".sha256";
        Manifest = BuildManifest.PathFor(Image);
        Lock = Path.Combine(this.directory, $".{name}.lock");
    }

    public string Image { get; }

    public string Checksum { get; }

    public string Manifest { get; }

    /// <summary>The companions in the order they are published, after the image.</summary>
    public IReadOnlyList<string> Companions => [Checksum, Manifest];

    private string Lock { get; }

    /// <summary>Where <paramref name="final"/> is written before it is published.</summary>
    public static string TemporaryOf(string final) => $"{final}{TemporaryMarker}{Environment.ProcessId}";

    /// <summary>Takes this name's lock, then removes what killed builds left under temporary names.</summary>
    public async Task<FileLock> LockAsync(Action waiting, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var held = await FileLock.AcquireAsync(Lock, waiting, cancellationToken).ConfigureAwait(false);
        foreach (string final in Companions.Prepend(Image))
        {
            foreach (string leftover in Directory.EnumerateFiles(directory, Path.GetFileName(final) + TemporaryMarker + "*"))
            {
                File.Delete(leftover);
            }
        }

        return held;
    }

    /// <summary>Writes <paramref name="final"/>'s temporary file, flushed to disk; it is published by <see cref="Publish"/>.</summary>
    public static void WriteTemporary(string final, Action<FileStream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string temporary = TemporaryOf(final);
        try
        {
            using var stream = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 20);
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>The image's checksum line, in the format `sha256sum -c` reads; the image is read from its temporary file.</summary>
    public string ChecksumOfTemporaryImage(out string sha256)
    {
        using (var stream = File.OpenRead(TemporaryOf(Image)))
        {
            sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        return $"{sha256}  {Path.GetFileName(Image)}\n";
    }

    /// <summary>Every file operation of publishing, in order; <see cref="Publish"/> runs them all.</summary>
    public IReadOnlyList<OutputOperation> PublishOperations() =>
    [
        .. Companions.Select(c => new OutputOperation(OutputOperationKind.Remove, c, null)),
        new OutputOperation(OutputOperationKind.Rename, TemporaryOf(Image), Image),
        .. Companions.Select(c => new OutputOperation(OutputOperationKind.Rename, TemporaryOf(c), c)),
    ];

    public void Publish()
    {
        foreach (var operation in PublishOperations())
        {
            operation.Run();
        }

        Durability.SyncFileSystemOf(directory);
    }
}

public enum OutputOperationKind
{
    Remove,
    Rename,
}

/// <summary>One step of publishing outputs: remove a stale file, or rename a temporary file to its final name.</summary>
public sealed record OutputOperation(OutputOperationKind Kind, string Path, string? Destination)
{
    public void Run()
    {
        if (Kind == OutputOperationKind.Remove)
        {
            File.Delete(Path);
        }
        else
        {
            File.Move(Path, Destination!, overwrite: true);
        }
    }
}
