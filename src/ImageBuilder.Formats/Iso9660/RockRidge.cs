using System.Text;
using ImageBuilder.Formats.Binary;
using ImageBuilder.Formats.Trees;

namespace ImageBuilder.Formats.Iso9660;

/// <summary>
/// System Use Sharing Protocol (SUSP 1.12) and Rock Ridge (RRIP 1.10, "RRIP_1991A") entries.
/// Each method returns one complete entry: signature, length, version, payload.
/// </summary>
internal static class RockRidge
{
    public const int ContinuationEntryLength = 28;
    public const string ExtensionId = "RRIP_1991A";
    public const string ExtensionDescriptor = "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
    public const string ExtensionSource = "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";

    private const int MaxEntryLength = 255;
    private const int MaxNamePerEntry = MaxEntryLength - 5;

    // SL component records: flags byte, length byte, content.
    private const int MaxComponentPerEntry = MaxEntryLength - 5 - 2;

    private const byte SlContinue = 0x01;
    private const byte SlCurrent = 0x02;
    private const byte SlParent = 0x04;
    private const byte SlRoot = 0x08;

    public static byte[] SharingProtocolIndicator() => Entry("SP", [0xBE, 0xEF, 0x00]);

    public static byte[] ExtensionReference()
    {
        byte[] id = Encoding.ASCII.GetBytes(ExtensionId);
        byte[] des = Encoding.ASCII.GetBytes(ExtensionDescriptor);
        byte[] src = Encoding.ASCII.GetBytes(ExtensionSource);
        var payload = new byte[4 + id.Length + des.Length + src.Length];
        payload[0] = (byte)id.Length;
        payload[1] = (byte)des.Length;
        payload[2] = (byte)src.Length;
        payload[3] = 1;
        id.CopyTo(payload, 4);
        des.CopyTo(payload, 4 + id.Length);
        src.CopyTo(payload, 4 + id.Length + des.Length);
        return Entry("ER", payload);
    }

    public static byte[] PosixAttributes(int mode, int links, int uid, int gid)
    {
        var payload = new byte[32];
        Endian.Both32(payload, (uint)mode);
        Endian.Both32(payload.AsSpan(8), links);
        Endian.Both32(payload.AsSpan(16), uid);
        Endian.Both32(payload.AsSpan(24), gid);
        return Entry("PX", payload);
    }

    public static byte[] DeviceNumber(int major, int minor)
    {
        var payload = new byte[16];
        Endian.Both32(payload, major);
        Endian.Both32(payload.AsSpan(8), minor);
        return Entry("PN", payload);
    }

    /// <summary>TF with modify, access and attribute-change times, all the epoch.</summary>
    public static byte[] Timestamps(DateTimeOffset time)
    {
        const byte modifyAccessAttributes = 0x02 | 0x04 | 0x08;
        var payload = new byte[1 + (3 * IsoDate.ShortLength)];
        payload[0] = modifyAccessAttributes;
        for (int i = 0; i < 3; i++)
        {
            IsoDate.WriteShort(payload.AsSpan(1 + (i * IsoDate.ShortLength)), time);
        }

        return Entry("TF", payload);
    }

    /// <summary>NM entries for a POSIX name, split with the CONTINUE flag when longer than one entry holds.</summary>
    public static IEnumerable<byte[]> AlternateName(string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        for (int offset = 0; offset < bytes.Length; offset += MaxNamePerEntry)
        {
            int length = Math.Min(MaxNamePerEntry, bytes.Length - offset);
            var payload = new byte[1 + length];
            payload[0] = offset + length < bytes.Length ? (byte)1 : (byte)0;
            bytes.AsSpan(offset, length).CopyTo(payload.AsSpan(1));
            yield return Entry("NM", payload);
        }
    }

    /// <summary>SL entries for a symlink target; components that do not fit one entry continue in the next.</summary>
    public static IEnumerable<byte[]> SymbolicLink(string target)
    {
        var components = new List<byte[]>();
        if (target.StartsWith('/'))
        {
            components.Add([SlRoot, 0]);
        }

        foreach (string part in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                components.Add([SlCurrent, 0]);
                continue;
            }

            if (part == "..")
            {
                components.Add([SlParent, 0]);
                continue;
            }

            byte[] bytes = Encoding.UTF8.GetBytes(part);
            for (int offset = 0; offset < bytes.Length; offset += MaxComponentPerEntry - 2)
            {
                int length = Math.Min(MaxComponentPerEntry - 2, bytes.Length - offset);
                var component = new byte[2 + length];
                component[0] = offset + length < bytes.Length ? SlContinue : (byte)0;
                component[1] = (byte)length;
                bytes.AsSpan(offset, length).CopyTo(component.AsSpan(2));
                components.Add(component);
            }
        }

        var entries = new List<byte[]>();
        var current = new List<byte[]>();
        int size = 0;
        foreach (var component in components)
        {
            if (size + component.Length > MaxComponentPerEntry && current.Count > 0)
            {
                entries.Add(SymlinkEntry(current, more: true));
                current.Clear();
                size = 0;
            }

            current.Add(component);
            size += component.Length;
        }

        entries.Add(SymlinkEntry(current, more: false));
        return entries;
    }

    public static byte[] ContinuationArea(long lba, int offset, int length)
    {
        var payload = new byte[24];
        Endian.Both32(payload, lba);
        Endian.Both32(payload.AsSpan(8), offset);
        Endian.Both32(payload.AsSpan(16), length);
        return Entry("CE", payload);
    }

    private static byte[] SymlinkEntry(List<byte[]> components, bool more)
    {
        var payload = new byte[1 + components.Sum(c => c.Length)];
        payload[0] = more ? SlContinue : (byte)0;
        int at = 1;
        foreach (var c in components)
        {
            c.CopyTo(payload, at);
            at += c.Length;
        }

        return Entry("SL", payload);
    }

    private static byte[] Entry(string signature, ReadOnlySpan<byte> payload)
    {
        int length = 4 + payload.Length;
        if (length > MaxEntryLength)
        {
            throw new InvalidOperationException($"SUSP entry {signature} of {length} bytes exceeds {MaxEntryLength}");
        }

        var entry = new byte[length];
        entry[0] = (byte)signature[0];
        entry[1] = (byte)signature[1];
        entry[2] = (byte)length;
        entry[3] = 1;
        payload.CopyTo(entry.AsSpan(4));
        return entry;
    }

    /// <summary>All entries describing one node (PX, TF, then NM/SL/PN as the kind needs).</summary>
    public static List<byte[]> Describe(FsEntry? entry, string? name, int links, DateTimeOffset time, int defaultMode)
    {
        var list = new List<byte[]>
        {
            PosixAttributes(entry?.UnixMode ?? defaultMode, links, entry?.Uid ?? 0, entry?.Gid ?? 0),
            Timestamps(time),
        };
        if (name is not null)
        {
            list.AddRange(AlternateName(name));
        }

        switch (entry)
        {
            case FsSymlink link:
                list.AddRange(SymbolicLink(link.Target));
                break;
            case FsDevice device:
                list.Add(DeviceNumber(device.Major, device.Minor));
                break;
        }

        return list;
    }
}
