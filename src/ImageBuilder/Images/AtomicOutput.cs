using System.Security.Cryptography;

namespace ImageBuilder.Images;

/// <summary>Writes a file under a temporary name beside its destination and renames it only when complete.</summary>
public static class AtomicOutput
{
    public static void Write(string destination, Action<FileStream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string directory = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        Directory.CreateDirectory(directory);
        string temporary = $"{destination}.tmp-{Environment.ProcessId}";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, destination, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Writes IMAGE.sha256 in the format `sha256sum -c` reads.</summary>
    public static string WriteChecksum(string image)
    {
        string hash;
        using (var stream = File.OpenRead(image))
        {
            hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        string line = $"{hash}  {Path.GetFileName(image)}\n";
        Write(image + ".sha256", s => s.Write(System.Text.Encoding.ASCII.GetBytes(line)));
        return hash;
    }
}
