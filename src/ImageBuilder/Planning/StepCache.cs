using System.Text.Json;
using ImageBuilder.Common.IO;

namespace ImageBuilder.Planning;

/// <summary>
/// Step outputs under cache/&lt;key&gt;/. An entry is written in a temporary directory, synced and renamed
/// into place, so an entry that exists is complete; a crash leaves only a temporary directory behind.
/// </summary>
public sealed class StepCache
{
    public const string MetadataFile = "step.json";
    private const string TemporaryFolder = ".tmp";

    public StepCache(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string PathOf(string key) => Path.Combine(Root, key);

    public bool Contains(string key) => Directory.Exists(PathOf(key));

    /// <summary>A fresh, empty directory on the cache's file system, so the final rename is atomic.</summary>
    public string CreateTemporary(string key)
    {
        string dir = Path.Combine(Root, TemporaryFolder, $"{key}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Records the metadata, flushes to disk and moves the temporary directory to its key.</summary>
    public string Commit(string key, string temporary, object metadata)
    {
        File.WriteAllText(Path.Combine(temporary, MetadataFile), JsonSerializer.Serialize(metadata, MetadataJson.Options));
        Durability.SyncFileSystemOf(temporary);
        string final = PathOf(key);
        if (Directory.Exists(final))
        {
            // Another build finished the same step first; keys are content addresses, so either copy will do.
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
            // Leftovers under .tmp are harmless and removed by the next `clean`.
        }
    }
}

internal static class MetadataJson
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true };
}
