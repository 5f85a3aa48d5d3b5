using System.Text;

namespace ImageBuilder.Formats.Iso9660;

/// <summary>
/// Maps POSIX names to ECMA-119 identifiers (d-characters, at most 30 characters for files and 31 for
/// directories, as interchange levels 2 and 3 allow). Real names live in Rock Ridge NM entries.
/// </summary>
internal static class IsoNames
{
    public const int MaxFileNameAndExtension = 30;
    public const int MaxDirectoryIdentifier = 31;

    public static string[] AssignUnique(IReadOnlyList<(string Name, bool IsDirectory)> children)
    {
        var result = new string[children.Count];
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < children.Count; i++)
        {
            var (name, isDirectory) = children[i];
            string candidate = Mangle(name, isDirectory, suffix: null);
            for (int n = 1; !used.Add(candidate); n++)
            {
                candidate = Mangle(name, isDirectory, suffix: "~" + n.ToString("X", System.Globalization.CultureInfo.InvariantCulture));
            }

            result[i] = candidate;
        }

        return result;
    }

    internal static string Mangle(string name, bool isDirectory, string? suffix)
    {
        if (isDirectory)
        {
            string d = DChars(name);
            return Truncate(d, MaxDirectoryIdentifier, suffix);
        }

        int dot = name.LastIndexOf('.');
        string stem = dot > 0 ? name[..dot] : name;
        string ext = dot > 0 ? DChars(name[(dot + 1)..]) : string.Empty;
        if (ext.Length > 8)
        {
            ext = ext[..8];
        }

        int room = MaxFileNameAndExtension - ext.Length;
        string mangledStem = Truncate(DChars(stem), room, suffix);
        return $"{mangledStem}.{ext};1";
    }

    private static string Truncate(string text, int max, string? suffix)
    {
        suffix ??= string.Empty;
        if (text.Length + suffix.Length <= max)
        {
            return text + suffix;
        }

        return text[..(max - suffix.Length)] + suffix;
    }

    private static string DChars(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text.ToUpperInvariant())
        {
            sb.Append(c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' ? c : '_');
        }

        return sb.Length == 0 ? "_" : sb.ToString();
    }

    /// <summary>ECMA-119 9.3 ordering: file name then extension, each compared as if padded with spaces.</summary>
    public static int Compare(string a, string b)
    {
        var (aName, aExt) = Split(a);
        var (bName, bExt) = Split(b);
        int c = ComparePadded(aName, bName);
        return c != 0 ? c : ComparePadded(aExt, bExt);
    }

    private static (string Name, string Extension) Split(string identifier)
    {
        int semicolon = identifier.IndexOf(';', StringComparison.Ordinal);
        string body = semicolon >= 0 ? identifier[..semicolon] : identifier;
        int dot = body.IndexOf('.', StringComparison.Ordinal);
        return dot >= 0 ? (body[..dot], body[(dot + 1)..]) : (body, string.Empty);
    }

    private static int ComparePadded(string a, string b)
    {
        int length = Math.Max(a.Length, b.Length);
        for (int i = 0; i < length; i++)
        {
            char ca = i < a.Length ? a[i] : ' ';
            char cb = i < b.Length ? b[i] : ' ';
            if (ca != cb)
            {
                return ca.CompareTo(cb);
            }
        }

        return 0;
    }
}
