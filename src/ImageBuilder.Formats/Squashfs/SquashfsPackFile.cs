using System.Globalization;
using System.Text;
using ImageBuilder.Formats.Trees;

namespace ImageBuilder.Formats.Squashfs;

/// <summary>
/// Describes a file tree to squashfs-tools-ng's gensquashfs as a pack file (gen_init_cpio style): one line per
/// entry with its mode and owner, files pointing at their host location. The tree is already sorted, and
/// gensquashfs takes every time stamp from its defaults, so the same tree gives the same image.
/// </summary>
public static class SquashfsPackFile
{
    /// <param name="locationOf">The host path gensquashfs reads a file's bytes from.</param>
    public static void Write(FileTree tree, TextWriter writer, Func<FsFile, string> locationOf)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(locationOf);
        foreach (var entry in tree.All)
        {
            writer.Write(LineOf(entry, locationOf));
            writer.Write('\n');
        }
    }

    internal static string LineOf(FsEntry entry, Func<FsFile, string> locationOf)
    {
        string common = string.Create(CultureInfo.InvariantCulture, $"{Quote("/" + entry.Path)} {Convert.ToString((int)entry.Permissions & 0xFFF, 8)} {entry.Uid} {entry.Gid}");
        return entry switch
        {
            FsDirectory => "dir " + common,
            FsFile f => $"file {common} {RestOfLine(locationOf(f))}",
            FsSymlink l => $"slink {common} {RestOfLine(l.Target)}",
            FsDevice d => string.Create(CultureInfo.InvariantCulture, $"nod {common} {(d.Kind == DeviceKind.Character ? 'c' : 'b')} {d.Major} {d.Minor}"),
            _ => throw new ArgumentException($"cannot describe {entry.GetType().Name} '{entry.Path}' in a pack file", nameof(entry)),
        };
    }

    /// <summary>gensquashfs takes a location or link target as the rest of the line, unquoted.</summary>
    internal static string RestOfLine(string field)
    {
        NoLineBreak(field);
        return field.Length > 0 && field[0] != ' ' ? field : throw new ArgumentException($"a pack file cannot describe the location or target '{field}'", nameof(field));
    }

    /// <summary>Quotes an image path when it holds spaces, quotes or backslashes.</summary>
    internal static string Quote(string field)
    {
        NoLineBreak(field);

        if (field.Length > 0 && !field.Any(c => c is ' ' or '"' or '\\' or '\t'))
        {
            return field;
        }

        var quoted = new StringBuilder(field.Length + 2).Append('"');
        foreach (char c in field)
        {
            if (c is '"' or '\\')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.Append('"').ToString();
    }

    private static void NoLineBreak(string field)
    {
        if (field.Contains('\n', StringComparison.Ordinal) || field.Contains('\r', StringComparison.Ordinal))
        {
            throw new ArgumentException($"a name with a line break cannot go into a pack file: {field.ReplaceLineEndings("\\n")}", nameof(field));
        }
    }
}
