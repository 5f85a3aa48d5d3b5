using System.Buffers.Binary;
using System.Security.Cryptography;
using SharpCompress.Compressors.Filters;
using SharpCompress.Compressors.Xz;
using SharpCompress.Compressors.Xz.Filters;

namespace Hv.Kernel.Inspection;

/// <summary>
/// An xz stream whose blocks are filtered x86 BCJ then LZMA2: how every xz-compressed x86 kernel is packed
/// (scripts/xz_wrap.sh: one block; xz -T makes several). Decoded with SharpCompress's parts (stream header, filter flags, index, LZMA2 decoder, CRCs
/// and its x86 branch converter), laid out as the xz file format specification has them. Not through its XZStream:
/// its X86Filter runs the converter over the caller's whole buffer on every read, whatever the read returned, and
/// keeps no unconverted tail between reads, so the output is only right when one read happens to return all of it
/// (SharpCompress 0.50.8). Here the converter runs once over each whole decoded block, which is what xz's own decoder arrives at.
/// </summary>
internal static class XzX86
{
    private const int StreamHeaderSize = 12;
    private const int StreamFooterSize = 12;

    /// <summary>The decoded bytes, or null when the stream's blocks are not each exactly x86 BCJ then LZMA2.</summary>
    public static byte[]? TryDecode(byte[] xz, string name)
    {
        ArgumentNullException.ThrowIfNull(xz);
        if (xz.Length < StreamHeaderSize + StreamFooterSize + 8 || xz[StreamHeaderSize] == 0)
        {
            return null;
        }

        using var stream = new MemoryStream(xz, writable: false);
        var header = XZHeader.FromStream(stream);
        var (records, indexStart) = Index(xz, name);
        using var output = new MemoryStream();
        long position = StreamHeaderSize;
        foreach (var record in records)
        {
            if (DecodeBlock(xz, position, record, header, name) is not { } block)
            {
                return null;
            }

            output.Write(block.Data);
            position = block.End;
        }

        return position == indexStart ? output.ToArray()
            : throw new InspectionException($"{name}: the xz blocks end at byte {position}, but the index starts at {indexStart}");
    }

    /// <summary>One block: its header (CRC32 checked) and filter flags, LZMA2, the x86 converter over it, its check.</summary>
    private static (byte[] Data, long End)? DecodeBlock(byte[] xz, long start, XZIndexRecord record, XZHeader header, string name)
    {
        if (start >= xz.Length || xz[start] == 0)
        {
            throw new InspectionException($"{name}: the xz index lists more blocks than the stream holds");
        }

        int blockHeaderSize = (xz[start] + 1) * 4;
        if (start + blockHeaderSize > xz.Length)
        {
            throw new InspectionException($"{name}: an xz block header runs past the stream's end");
        }

        var blockHeader = xz.AsSpan((int)start, blockHeaderSize);
        if (Crc32.Compute(blockHeader[..^4].ToArray()) != BinaryPrimitives.ReadUInt32LittleEndian(blockHeader[^4..]))
        {
            throw new InspectionException($"{name}: the xz block header's CRC32 does not match");
        }

        byte flags = blockHeader[1];
        if ((flags & 0x3C) != 0)
        {
            throw new InspectionException($"{name}: an xz block header sets reserved flags (0x{flags:X2})");
        }

        using var reader = new BinaryReader(new MemoryStream(xz, (int)start + 2, blockHeaderSize - 2, writable: false));
        long? statedCompressed = (flags & 0x40) != 0 ? (long)MultibyteInteger(reader) : null;
        ulong? statedUncompressed = (flags & 0x80) != 0 ? MultibyteInteger(reader) : null;
        var filters = Enumerable.Range(0, (flags & 3) + 1).Select(_ => BlockFilter.Read(reader)).ToList();
        if (filters is not [X86Filter, Lzma2Filter lzma2])
        {
            return null;
        }

        long compressedSize = (long)record.UnpaddedSize - blockHeaderSize - header.BlockCheckSize;
        long dataStart = start + blockHeaderSize;
        if (compressedSize <= 0 || dataStart + compressedSize > xz.Length || (statedCompressed ?? compressedSize) != compressedSize
            || (statedUncompressed ?? record.UncompressedSize) != record.UncompressedSize)
        {
            throw new InspectionException($"{name}: the xz index and block header disagree on the block's sizes, or the stream does not hold them");
        }

        lzma2.SetBaseStream(new MemoryStream(xz, (int)dataStart, (int)compressedSize, writable: false));
        using var decoded = new MemoryStream();
        lzma2.CopyTo(decoded);
        byte[] data = decoded.ToArray();
        if ((ulong)data.Length != record.UncompressedSize)
        {
            throw new InspectionException($"{name}: an xz block decoded to {data.Length} bytes, but the index says {record.UncompressedSize}");
        }

        // Each block starts the filter afresh at offset 0 (no start-offset property; X86Filter.Init refuses one).
        uint state = 0;
        BranchExecFilter.X86Converter(data, 0, ref state);
        long checkStart = start + ((blockHeaderSize + compressedSize + 3) & ~3L);
        if (checkStart + header.BlockCheckSize > xz.Length)
        {
            throw new InspectionException($"{name}: an xz block's check runs past the stream's end");
        }

        Check(data, header.BlockCheckType, xz.AsSpan((int)checkStart, header.BlockCheckSize), name);
        return (data, checkStart + header.BlockCheckSize);
    }

    /// <summary>
    /// The index's records and where it starts: the stream footer (its CRC32 and flags checked against the stream
    /// header's) gives the index's size, back from the footer.
    /// </summary>
    private static (IReadOnlyList<XZIndexRecord> Records, long Start) Index(byte[] xz, string name)
    {
        var footer = xz.AsSpan(xz.Length - StreamFooterSize);
        if (footer[^2] != (byte)'Y' || footer[^1] != (byte)'Z')
        {
            throw new InspectionException($"{name}: the xz stream has no footer (a cut-off stream)");
        }

        if (Crc32.Compute(footer[4..10].ToArray()) != BinaryPrimitives.ReadUInt32LittleEndian(footer[..4]) || !footer[8..10].SequenceEqual(xz.AsSpan(6, 2)))
        {
            throw new InspectionException($"{name}: the xz stream footer's CRC32 or flags do not match");
        }

        long indexSize = ((long)BinaryPrimitives.ReadUInt32LittleEndian(footer[4..8]) + 1) * 4;
        long indexStart = xz.Length - StreamFooterSize - indexSize;
        if (indexStart < StreamHeaderSize)
        {
            throw new InspectionException($"{name}: the xz footer's index size runs past the stream's start");
        }

        using var stream = new MemoryStream(xz, (int)indexStart, (int)indexSize, writable: false);
        var index = XZIndex.FromStream(stream, indexMarkerAlreadyVerified: false);
        return index.Records.Count > 0 ? (index.Records, indexStart)
            : throw new InspectionException($"{name}: an xz stream without blocks");
    }

    private static void Check(byte[] data, CheckType type, ReadOnlySpan<byte> stored, string name)
    {
        bool matches = type switch
        {
            CheckType.NONE => true,
            CheckType.CRC32 => BinaryPrimitives.ReadUInt32LittleEndian(stored) == Crc32.Compute(data),
            CheckType.CRC64 => BinaryPrimitives.ReadUInt64LittleEndian(stored) == Crc64.ComputeXz(data),
            CheckType.SHA256 => stored.SequenceEqual(SHA256.HashData(data)),
            _ => throw new InspectionException($"{name}: xz check type {type} is not one xz writes"),
        };
        if (!matches)
        {
            throw new InspectionException($"{name}: the xz block's {type} check does not match its decoded bytes");
        }
    }

    /// <summary>The xz format's variable-length integer: 7 bits a byte, low first, at most 9 bytes.</summary>
    private static ulong MultibyteInteger(BinaryReader reader)
    {
        ulong value = 0;
        for (int i = 0; i < 9; i++)
        {
            byte b = reader.ReadByte();
            value |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InspectionException("an xz integer longer than 9 bytes");
    }
}
