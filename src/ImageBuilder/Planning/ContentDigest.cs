using System.Security.Cryptography;
using System.Text;

namespace ImageBuilder.Planning;

/// <summary>SHA-256 of a file or of a directory tree (relative names, types, modes, link targets and contents).</summary>
public static class ContentDigest
{
    public static string Of(string hostPath)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (File.Exists(hostPath))
        {
            AddFile(hash, hostPath);
        }
        else if (Directory.Exists(hostPath))
        {
            AddDirectory(hash, new DirectoryInfo(hostPath), string.Empty);
        }
        else
        {
            throw new FileNotFoundException($"input not found: {hostPath}", hostPath);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static string OfText(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static void AddDirectory(IncrementalHash hash, DirectoryInfo dir, string relative)
    {
        foreach (var info in dir.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            string name = relative.Length == 0 ? info.Name : $"{relative}/{info.Name}";
            string mode = Convert.ToString((int)info.UnixFileMode, 8);
            if (info.LinkTarget is { } target)
            {
                hash.AppendData(Encoding.UTF8.GetBytes($"L {name} -> {target}\n"));
            }
            else if (info is DirectoryInfo sub)
            {
                hash.AppendData(Encoding.UTF8.GetBytes($"D {name} {mode}\n"));
                AddDirectory(hash, sub, name);
            }
            else
            {
                hash.AppendData(Encoding.UTF8.GetBytes($"F {name} {mode}\n"));
                AddFile(hash, info.FullName);
            }
        }
    }

    private static void AddFile(IncrementalHash hash, string path)
    {
        using var stream = File.OpenRead(path);
        hash.AppendData(SHA256.HashData(stream));
    }
}
