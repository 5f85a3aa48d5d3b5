using System.Buffers.Binary;
using System.IO.Compression;

namespace Hv.Kernel.Inspection;

/// <summary>
/// The Multiboot2 header (Multiboot2 spec, 3.1): magic, architecture, header length and a checksum making the
/// four fields sum to zero, 64-bit aligned within the first 32 KiB, followed by tags ending in an end tag.
/// </summary>
public sealed record Multiboot2Header(int Offset, uint Architecture, uint HeaderLength, IReadOnlyList<ushort> TagTypes)
{
    public const uint Magic = 0xE85250D6;
    public const int SearchLimit = 32 * 1024;
    public const uint ArchitectureI386 = 0;

    /// <summary>Finds and validates the header; throws <see cref="InspectionException"/> naming what is wrong.</summary>
    public static Multiboot2Header Read(ReadOnlySpan<byte> image, string name)
    {
        int limit = Math.Min(image.Length, SearchLimit);
        string? firstProblem = null;
        for (int offset = 0; offset + 16 <= limit; offset += 8)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(image[offset..]) != Magic)
            {
                continue;
            }

            uint architecture = BinaryPrimitives.ReadUInt32LittleEndian(image[(offset + 4)..]);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(image[(offset + 8)..]);
            uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(image[(offset + 12)..]);
            if (unchecked(Magic + architecture + length + checksum) != 0)
            {
                firstProblem ??= $"multiboot2 header at offset {offset} has a bad checksum";
                continue;
            }

            if (length < 24 || offset + length > image.Length)
            {
                firstProblem ??= $"multiboot2 header at offset {offset} claims {length} bytes";
                continue;
            }

            var tags = ReadTags(image.Slice(offset + 16, (int)length - 16), offset, ref firstProblem);
            if (tags is null)
            {
                continue;
            }

            if (architecture != ArchitectureI386)
            {
                throw new InspectionException($"{name}: multiboot2 header is for architecture {architecture}, not i386 (0)");
            }

            return new Multiboot2Header(offset, architecture, length, tags);
        }

        throw new InspectionException($"{name}: no valid multiboot2 header in the first {SearchLimit / 1024} KiB{(firstProblem is null ? string.Empty : $" ({firstProblem})")}");
    }

    /// <summary>Reads a hypervisor image, gunzipping it first when it is gzip-compressed (xen.gz).</summary>
    public static Multiboot2Header ReadFile(string path)
    {
        byte[] head = new byte[SearchLimit + 4096];
        int read;
        using (var file = File.OpenRead(path))
        {
            bool gzip = file.ReadByte() == 0x1F && file.ReadByte() == 0x8B;
            file.Position = 0;
            using Stream source = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            read = source.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        return Read(head.AsSpan(0, read), Path.GetFileName(path));
    }

    private static List<ushort>? ReadTags(ReadOnlySpan<byte> tags, int headerOffset, ref string? problem)
    {
        var types = new List<ushort>();
        int at = 0;
        while (at + 8 <= tags.Length)
        {
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(tags[at..]);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(tags[(at + 4)..]);
            if (type == 0 && size == 8)
            {
                return types;
            }

            if (size < 8 || at + size > tags.Length)
            {
                problem ??= $"multiboot2 header at offset {headerOffset}: tag {type} has size {size}";
                return null;
            }

            types.Add(type);
            at += (int)((size + 7) & ~7u);
        }

        problem ??= $"multiboot2 header at offset {headerOffset} has no end tag";
        return null;
    }
}
