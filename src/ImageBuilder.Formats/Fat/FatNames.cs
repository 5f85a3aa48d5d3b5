using System.Text;

namespace ImageBuilder.Formats.Fat;

/// <summary>8.3 short names and VFAT long-name entries.</summary>
internal static class FatNames
{
    private const string Invalid8Dot3 = "\"*+,./:;<=>?[\\]| ";

    /// <summary>True when the name is already a valid upper-case 8.3 name, so no long name is needed.</summary>
    public static bool IsExact8Dot3(string name)
    {
        if (name is "." or "..")
        {
            return true;
        }

        int dot = name.LastIndexOf('.');
        string stem = dot >= 0 ? name[..dot] : name;
        string ext = dot >= 0 ? name[(dot + 1)..] : string.Empty;
        return stem.Length is >= 1 and <= 8 && ext.Length <= 3 && (dot < 0 || ext.Length > 0)
            && (stem + ext).All(c => c < 0x7F && !Invalid8Dot3.Contains(c, StringComparison.Ordinal) && !char.IsLower(c));
    }

    /// <summary>The 11-byte short name: exact when possible, else a "STEM~N.EXT" alias unique among <paramref name="used"/>.</summary>
    public static byte[] ShortName(string name, HashSet<string> used)
    {
        if (name is "." or "..")
        {
            return Encoding.ASCII.GetBytes(name.PadRight(11));
        }

        int dot = name.LastIndexOf('.');
        string stem = Clean(dot > 0 ? name[..dot] : name);
        string ext = Clean(dot > 0 ? name[(dot + 1)..] : string.Empty);
        ext = ext.Length > 3 ? ext[..3] : ext;
        string candidate;
        if (IsExact8Dot3(name))
        {
            candidate = stem.PadRight(8) + ext.PadRight(3);
        }
        else
        {
            int n = 1;
            do
            {
                string tail = "~" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                string head = stem.Length == 0 ? "_" : stem;
                head = head[..Math.Min(head.Length, 8 - tail.Length)];
                candidate = (head + tail).PadRight(8) + ext.PadRight(3);
                n++;
            }
            while (used.Contains(candidate));
        }

        if (!used.Add(candidate))
        {
            throw new ArgumentException($"two entries map to the FAT name '{candidate.Trim()}'");
        }

        return Encoding.ASCII.GetBytes(candidate);
    }

    public static byte Checksum(ReadOnlySpan<byte> shortName)
    {
        byte sum = 0;
        foreach (byte b in shortName)
        {
            sum = (byte)((((sum & 1) << 7) | (sum >> 1)) + b);
        }

        return sum;
    }

    /// <summary>Long-name entries in on-disk order (last part first), 13 UTF-16 units each.</summary>
    public static List<byte[]> LongNameEntries(string name, byte checksum)
    {
        var units = name.ToCharArray();
        int count = (units.Length + 12) / 13;
        if (units.Length > 255)
        {
            throw new ArgumentException($"FAT long names hold at most 255 characters: {name}");
        }

        var entries = new List<byte[]>();
        for (int part = count; part >= 1; part--)
        {
            var entry = new byte[FatLayout.EntrySize];
            entry[0] = (byte)(part | (part == count ? 0x40 : 0));
            entry[11] = 0x0F;
            entry[13] = checksum;
            int[] offsets = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
            for (int i = 0; i < 13; i++)
            {
                int index = ((part - 1) * 13) + i;
                ushort unit = index < units.Length ? units[index] : index == units.Length ? (ushort)0 : (ushort)0xFFFF;
                entry[offsets[i]] = (byte)unit;
                entry[offsets[i] + 1] = (byte)(unit >> 8);
            }

            entries.Add(entry);
        }

        return entries;
    }

    private static string Clean(string text)
    {
        var sb = new StringBuilder();
        foreach (char c in text.ToUpperInvariant())
        {
            if (c < 0x7F && !Invalid8Dot3.Contains(c, StringComparison.Ordinal))
            {
                sb.Append(c);
            }
            else if (c != ' ' && c != '.')
            {
                sb.Append('_');
            }
        }

        return sb.ToString();
    }
}
