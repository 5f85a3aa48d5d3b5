using System.IO.Compression;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.LZMA;
using SharpCompress.Compressors.Xz;
using SharpCompress.Compressors.ZStandard;

namespace Hv.Kernel.Inspection;

/// <summary>The compressions source tarballs and kernel payloads come in, as their first bytes show them.</summary>
public enum Compression
{
    None,
    Gzip,
    Xz,
    Bzip2,
    Zstd,

    /// <summary>The legacy .lzma ("LZMA alone") format: 5 property bytes, a 64-bit size, the LZMA stream.</summary>
    Lzma,

    /// <summary>The kernel's legacy lz4 format, which SharpCompress does not read.</summary>
    Lz4,
}

/// <summary>
/// Recognises a compressed stream by its magic bytes and decompresses it in process: gzip with .NET's own
/// GZipStream, xz, bzip2, zstd and lzma with SharpCompress (an xz kernel's x86 BCJ block through <see cref="XzX86"/>).
/// </summary>
public static class Compressed
{
    private const int LzmaHeader = 13;

    /// <summary>The bytes a recognition needs at most.</summary>
    public const int MagicLength = 6;

    public static Compression Recognise(ReadOnlySpan<byte> head) => head switch
    {
        [0x1F, 0x8B, ..] => Compression.Gzip,
        [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, ..] => Compression.Xz,
        [0x42, 0x5A, 0x68, ..] => Compression.Bzip2,
        [0x28, 0xB5, 0x2F, 0xFD, ..] => Compression.Zstd,
        [0x5D, 0x00, 0x00, ..] => Compression.Lzma,
        [0x02, 0x21, 0x4C, 0x18, ..] => Compression.Lz4,
        _ => Compression.None,
    };

    /// <summary>
    /// A stream of <paramref name="source"/>'s decompressed bytes (which it owns); <paramref name="name"/> names the
    /// data in errors.
    /// </summary>
    public static Stream Open(Stream source, Compression compression, string name)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (compression == Compression.Lz4)
        {
            source.Dispose();
            throw new InspectionException($"{name}: {compression} compression is not supported (gzip, xz, bzip2, zstd and lzma are)");
        }

        return compression switch
        {
            Compression.None => source,
            Compression.Gzip => new GZipStream(source, CompressionMode.Decompress),
            Compression.Xz => new XZStream(source),
            Compression.Bzip2 => BZip2Stream.Create(source, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true, leaveOpen: false, tolerateTruncatedStream: false),
            Compression.Zstd => new DecompressionStream(source),
            _ => OpenLzma(source, name),
        };
    }

    /// <summary>All of <paramref name="compressed"/>, decompressed (an xz stream filtered x86 BCJ through <see cref="XzX86"/>).</summary>
    public static byte[] Decompress(ReadOnlySpan<byte> compressed, string name)
    {
        var compression = Recognise(compressed);
        if (compression == Compression.Xz)
        {
            try
            {
                if (XzX86.TryDecode(compressed.ToArray(), name) is { } decoded)
                {
                    return decoded;
                }
            }
            catch (Exception e) when (IsUnreadable(e) || e is ArgumentException)
            {
                throw new InspectionException($"{name}: cannot decompress: {e.Message}");
            }
        }

        using var output = new MemoryStream();
        using (var stream = Open(new MemoryStream(compressed.ToArray(), writable: false), compression, name))
        {
            try
            {
                stream.CopyTo(output);
            }
            catch (Exception e) when (IsUnreadable(e))
            {
                throw new InspectionException($"{name}: cannot decompress: {e.Message}");
            }
        }

        return output.ToArray();
    }

    /// <summary>
    /// Whether reading a compressed stream (or the archive inside it) threw because of its bytes: .NET's gzip and tar
    /// readers, SharpCompress's decoders (and the filters they lack), and I/O. Anything else is a bug, not damage.
    /// </summary>
    public static bool IsUnreadable(Exception e) =>
        e is InvalidDataException or IOException or FormatException or OverflowException or NotSupportedException or NotImplementedException
            or SharpCompress.Common.SharpCompressException;

    private static LzmaStream OpenLzma(Stream source, string name)
    {
        byte[] header = new byte[LzmaHeader];
        if (source.ReadAtLeast(header, LzmaHeader, throwOnEndOfStream: false) < LzmaHeader)
        {
            source.Dispose();
            throw new InspectionException($"{name}: an lzma stream shorter than its {LzmaHeader}-byte header");
        }

        long size = BitConverter.ToInt64(header, 5);
        return LzmaStream.Create(header[..5], source, inputSize: -1, outputSize: size, leaveOpen: false);
    }
}
