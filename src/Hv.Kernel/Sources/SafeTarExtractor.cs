using System.Formats.Tar;
using ImageBuilder.Common;
using Hv.Kernel.Inspection;

namespace Hv.Kernel.Sources;

/// <summary>
/// Extracts a (compressed) tar archive, refusing every entry that would land or point outside the target:
/// absolute names, ".." components, symlinks and hard links whose targets leave the tree. A single top-level
/// folder (project-1.2/) is stripped, as release tarballs have one.
/// </summary>
public static class SafeTarExtractor
{
    public static void Extract(string archive, string target)
    {
        string name = Path.GetFileName(archive);
        string root = Path.GetFullPath(target);
        Directory.CreateDirectory(root);
        string? prefix = CommonTopFolder(archive);
        foreach (var entry in Entries(archive))
        {
            string relative = Relative(entry.Name, prefix, name);
            if (relative.Length == 0)
            {
                continue;
            }

            string destination = Inside(root, relative, name, entry.Name, "its name");
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(destination);
                    break;
                case TarEntryType.SymbolicLink:
                    string linkTarget = entry.LinkName;
                    if (Path.IsPathRooted(linkTarget))
                    {
                        throw Escape(name, entry.Name, $"symlink to absolute path '{linkTarget}'");
                    }

                    Inside(root, Path.GetRelativePath(root, Path.Combine(Path.GetDirectoryName(destination)!, linkTarget)), name, entry.Name, $"symlink target '{linkTarget}'");
                    Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                    File.CreateSymbolicLink(destination, linkTarget);
                    break;
                case TarEntryType.HardLink:
                    string linkName = entry.LinkName.Replace('\\', '/');
                    if (linkName.StartsWith('/') || linkName.Split('/').Contains(".."))
                    {
                        throw Escape(name, entry.Name, $"hard link to '{entry.LinkName}' leads outside the target");
                    }

                    string linked = Inside(root, Relative(linkName, prefix, name), name, entry.Name, $"hard link to '{entry.LinkName}'");
                    Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                    File.Copy(linked, destination, overwrite: true);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                    Readable(() => { entry.ExtractToFile(destination, overwrite: true); return 0; }, name);
                    break;
                default:
                    throw Escape(name, entry.Name, $"unsupported entry type {entry.EntryType} in a source archive");
            }
        }
    }

    /// <summary>The archive's file entries (metadata entries skipped); each is valid until the next is taken.</summary>
    private static IEnumerable<TarEntry> Entries(string archive)
    {
        using var decompressed = Open(archive);
        using var reader = new TarReader(decompressed);
        TarEntry? entry;
        while ((entry = Readable(() => reader.GetNextEntry(), archive)) is not null)
        {
            if (entry.EntryType is not (TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes))
            {
                yield return entry;
            }
        }

        // The tar reader stops at its end marker, or at the first short read, which is how a cut-off compressed
        // stream can look: reading the decompressor to its end makes it check the rest (its blocks' checksums), and
        // bytes after the compressed stream that are not another stream are refused.
        Readable(() => { decompressed.CopyTo(Stream.Null); return 0; }, archive);
    }

    private static T Readable<T>(Func<T> read, string archive)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (Compressed.IsUnreadable(e))
        {
            throw new ImageBuilderException($"{Path.GetFileName(archive)}: not a readable (compressed) tar archive: {e.Message}");
        }
    }

    private static string Relative(string entryName, string? prefix, string archive)
    {
        string normal = entryName.Replace('\\', '/');
        if (normal.StartsWith('/'))
        {
            throw Escape(archive, entryName, "absolute name");
        }

        if (normal.Split('/').Contains(".."))
        {
            throw Escape(archive, entryName, "'..' in its name");
        }

        normal = normal.TrimStart('.', '/');
        if (prefix is not null && (normal == prefix || normal.StartsWith(prefix + "/", StringComparison.Ordinal)))
        {
            normal = normal.Length == prefix.Length ? string.Empty : normal[(prefix.Length + 1)..];
        }

        return normal.TrimEnd('/');
    }

    private static string Inside(string root, string relative, string archive, string entry, string what)
    {
        string full = Path.GetFullPath(Path.Combine(root, relative));
        if (full != root && !full.StartsWith(root + "/", StringComparison.Ordinal))
        {
            throw Escape(archive, entry, $"{what} leads outside the target");
        }

        return full;
    }

    private static ImageBuilderException Escape(string archive, string entry, string reason) =>
        new($"{archive}: refusing entry '{entry}': {reason}");

    /// <summary>The one folder every entry is under, if there is exactly one.</summary>
    private static string? CommonTopFolder(string archive)
    {
        // Every entry is read even once the answer is known: the whole stream is checked before anything is written.
        string? top = null;
        bool single = true;
        foreach (var entry in Entries(archive))
        {
            string name = entry.Name.TrimStart('.', '/');
            int slash = name.IndexOf('/', StringComparison.Ordinal);
            string first = slash < 0 ? name : name[..slash];
            bool isFolder = slash >= 0 || entry.EntryType == TarEntryType.Directory;
            if (!isFolder || (top is not null && top != first))
            {
                single = false;
            }

            top ??= first;
        }

        return single ? top : null;
    }

    /// <summary>The archive's bytes, decompressed as its first bytes say (<see cref="Compressed"/>), streamed.</summary>
    private static Stream Open(string archive)
    {
        var file = File.OpenRead(archive);
        byte[] magic = new byte[Compressed.MagicLength];
        int read = file.Read(magic);
        file.Position = 0;
        try
        {
            // Some decompressors read their first block when they are created.
            return Readable(() => Compressed.Open(file, Compressed.Recognise(magic.AsSpan(0, read)), Path.GetFileName(archive)), archive);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
