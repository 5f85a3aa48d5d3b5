using System.Text.Json;
using ImageBuilder.Common.IO;

namespace ImageBuilder.Planning;

/// <summary>
/// Step outputs under cache/&lt;key&gt;/. An entry is written in a temporary directory, synced and renamed
/// into place, so an entry that exists is complete; a crash leaves only a temporary directory behind. A step runs
/// under its key's lock, so two builds sharing a cache make each entry once and never race on its rename.
/// </summary>
public sealed class StepCache
{
    public const string MetadataFile = "step.json";
    private const string TemporaryFolder = ".tmp";
    private const string LockFolder = ".locks";

    public StepCache(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string PathOf(string key) => Path.Combine(Root, key);

    public bool Contains(string key) => Directory.Exists(PathOf(key));

    /// <summary>The lock a build holds while it makes the entry for <paramref name="key"/>.</summary>
    public Task<FileLock> LockAsync(string key, Action? waiting, CancellationToken cancellationToken) =>
        FileLock.AcquireAsync(Path.Combine(Root, LockFolder, key + ".lock"), waiting, cancellationToken);

    /// <summary>A fresh, empty directory on the cache's file system, so the final rename is atomic.</summary>
    public string CreateTemporary(string key)
    {
        string dir = Path.Combine(Root, TemporaryFolder, $"{key}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// Removes what killed builds left while making <paramref name="key"/>. Only call it holding the key's lock: then no
    /// other build is writing there.
    /// </summary>
    public void DiscardLeftovers(string key)
    {
        string temporary = Path.Combine(Root, TemporaryFolder);
        if (Directory.Exists(temporary))
        {
            foreach (string dir in Directory.EnumerateDirectories(temporary, key + "-*"))
            {
                Discard(dir);
            }
        }
    }

    /// <summary>Records the metadata, flushes to disk and moves the temporary directory to its key.</summary>
    public string Commit(string key, string temporary, object metadata)
    {
        File.WriteAllText(Path.Combine(temporary, MetadataFile), JsonSerializer.Serialize(metadata, MetadataJson.Options));
        Durability.SyncFileSystemOf(temporary);
        string final = PathOf(key);
        if (Directory.Exists(final))
        {
            // Made meanwhile by a build that did not take the lock (an older version); keys are content addresses.
            Directory.Delete(temporary, recursive: true);
            return final;
        }

        Directory.Move(temporary, final);
        Durability.SyncFileSystemOf(Root);
        return final;
    }

    public static void Discard(string temporary)
    {
        try
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
        catch (IOException)
        {
            // A mount a killed build left inside keeps the folder busy; it is not an entry, so it is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}

internal static class MetadataJson
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
}
