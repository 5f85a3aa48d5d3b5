using System.Buffers.Binary;
using System.Security.Cryptography;
using SharpCompress.Compressors.Filters;
using SharpCompress.Compressors.Xz;
using SharpCompress.Compressors.Xz.Filters;

namespace Hv.Kernel.Inspection;

/// <summary>
/// An xz stream of one block filtered x86 BCJ then LZMA2: how every xz-compressed x86 kernel is packed
/// (scripts/xz_wrap.sh). Decoded with SharpCompress's parts (stream header, filter flags, index, LZMA2 decoder, CRCs
/// and its x86 branch converter), laid out as the xz file format specification has them. Not through its XZStream:
/// its X86Filter runs the converter over the caller's whole buffer on every read, whatever the read returned, and
/// keeps no unconverted tail between reads, so the output is only right when one read happens to return all of it
/// (SharpCompress 0.50.8). Here the converter runs once over the whole decoded block, as xz's own decoder would end.
/// </summary>
internal static class XzX86
{
    private const int StreamHeaderSize = 12;
    private const int StreamFooterSize = 12;

    /// <summary>The decoded bytes, or null when the stream is not one block of exactly x86 BCJ then LZMA2.</summary>
    public static byte[]? TryDecode(byte[] xz, string name)
    {
        ArgumentNullException.ThrowIfNull(xz);
        if (xz.Length < StreamHeaderSize + StreamFooterSize + 8 || xz[StreamHeaderSize] == 0)
        {
            return null;
        }

        using var stream = new MemoryStream(xz, writable: false);
        var header = XZHeader.FromStream(stream);
        int blockHeaderSize = (xz[StreamHeaderSize] + 1) * 4;
        var blockHeader = xz.AsSpan(StreamHeaderSize, blockHeaderSize);
        if (Crc32.Compute(blockHeader[..^4].ToArray()) != BinaryPrimitives.ReadUInt32LittleEndian(blockHeader[^4..]))
        {
            throw new InspectionException($"{name}: the xz block header's CRC32 does not match");
        }

        byte flags = blockHeader[1];
        using var reader = new BinaryReader(new MemoryStream(xz, StreamHeaderSize + 2, blockHeaderSize - 2, writable: false));
        if ((flags & 0x40) != 0)
        {
            _ = MultibyteInteger(reader);
        }

        if ((flags & 0x80) != 0)
        {
            _ = MultibyteInteger(reader);
        }

        var filters = Enumerable.Range(0, (flags & 3) + 1).Select(_ => BlockFilter.Read(reader)).ToList();
        if (filters is not [X86Filter, Lzma2Filter lzma2])
        {
            return null;
        }

        var record = Index(xz, name);
        long compressedSize = (long)record.UnpaddedSize - blockHeaderSize - header.BlockCheckSize;
        long dataStart = StreamHeaderSize + blockHeaderSize;
        if (compressedSize <= 0 || dataStart + compressedSize > xz.Length)
        {
            throw new InspectionException($"{name}: the xz index gives the block {record.UnpaddedSize} bytes, which the stream does not hold");
        }

        lzma2.SetBaseStream(new MemoryStream(xz, (int)dataStart, (int)compressedSize, writable: false));
        using var decoded = new MemoryStream();
        lzma2.CopyTo(decoded);
        byte[] data = decoded.ToArray();
        if ((ulong)data.Length != record.UncompressedSize)
        {
            throw new InspectionException($"{name}: the xz block decoded to {data.Length} bytes, but the index says {record.UncompressedSize}");
        }

        uint state = 0;
        BranchExecFilter.X86Converter(data, 0, ref state);
        long checkStart = StreamHeaderSize + ((blockHeaderSize + compressedSize + 3) & ~3L);
        Check(data, header.BlockCheckType, xz.AsSpan((int)checkStart, header.BlockCheckSize), name);
        return data;
    }

    /// <summary>The index's one record (the stream footer's backward size says where the index starts).</summary>
    private static XZIndexRecord Index(byte[] xz, string name)
    {
        var footer = xz.AsSpan(xz.Length - StreamFooterSize);
        if (footer[^2] != (byte)'Y' || footer[^1] != (byte)'Z')
        {
            throw new InspectionException($"{name}: the xz stream has no footer (a cut-off stream)");
        }

        long indexSize = ((long)BinaryPrimitives.ReadUInt32LittleEndian(footer[4..8]) + 1) * 4;
        long indexStart = xz.Length - StreamFooterSize - indexSize;
        if (indexStart < StreamHeaderSize)
        {
            throw new InspectionException($"{name}: the xz footer's index size runs past the stream's start");
        }

        using var stream = new MemoryStream(xz, (int)indexStart, (int)indexSize, writable: false);
        var index = XZIndex.FromStream(stream, indexMarkerAlreadyVerified: false);
        return index.Records is [var only] ? only
            : throw new InspectionException($"{name}: an xz stream of {index.Records.Count} blocks, where a kernel is packed as one");
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
