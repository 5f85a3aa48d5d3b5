using System.Buffers.Binary;
using ImageBuilder.Common.Processes;

namespace Hv.Kernel.Inspection;

/// <summary>
/// The x86 Linux boot protocol header of a bzImage (Documentation/arch/x86/boot.rst): boot flag 0xAA55,
/// "HdrS", protocol version, the protected-mode payload's offset and length.
/// </summary>
public sealed record BzImage(int ProtocolVersion, int SetupSectors, bool LoadedHigh, long PayloadOffset, long PayloadLength)
{
    private const int SetupSectorsField = 0x1F1;
    private const int BootFlagField = 0x1FE;
    private const int HeaderField = 0x202;
    private const int VersionField = 0x206;
    private const int LoadFlagsField = 0x211;
    private const int PayloadOffsetField = 0x248;
    private const int PayloadLengthField = 0x24C;
    private const int MinimumProtocol = 0x0208;

    /// <summary>e_ident[EI_MAG0..EI_MAG3] of an ELF file.</summary>
    private static readonly byte[] ElfMagic = [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    public string Version => $"{ProtocolVersion >> 8}.{ProtocolVersion & 0xFF:D2}";

    /// <summary>Where the compressed kernel starts in the file.</summary>
    public long PayloadFileOffset => ((SetupSectors + 1) * 512L) + PayloadOffset;

    public static BzImage Read(ReadOnlySpan<byte> image, string name)
    {
        if (image.Length < 0x260)
        {
            throw new InspectionException($"{name}: {image.Length} bytes is too short for a bzImage");
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(image[BootFlagField..]) != 0xAA55)
        {
            throw new InspectionException($"{name}: no boot flag 0xAA55 at 0x1FE: not a bzImage");
        }

        if (!image.Slice(HeaderField, 4).SequenceEqual("HdrS"u8))
        {
            throw new InspectionException($"{name}: no \"HdrS\" boot protocol header at 0x202: not a bzImage");
        }

        int version = BinaryPrimitives.ReadUInt16LittleEndian(image[VersionField..]);
        if (version < MinimumProtocol)
        {
            throw new InspectionException($"{name}: boot protocol {version >> 8}.{version & 0xFF:D2} is older than 2.08 (no payload fields)");
        }

        int setup = image[SetupSectorsField] == 0 ? 4 : image[SetupSectorsField];
        bool high = (image[LoadFlagsField] & 0x01) != 0;
        if (!high)
        {
            throw new InspectionException($"{name}: a zImage (loaded low), not a bzImage");
        }

        return new BzImage(
            version,
            setup,
            high,
            BinaryPrimitives.ReadUInt32LittleEndian(image[PayloadOffsetField..]),
            BinaryPrimitives.ReadUInt32LittleEndian(image[PayloadLengthField..]));
    }

    public static BzImage ReadFile(string path) => Read(FileHead.Read(path), Path.GetFileName(path));

    /// <summary>
    /// The kernel a bzImage carries, decompressed: the ELF file (vmlinux) its payload holds (gzip, xz, zstd, lzma and
    /// bzip2 in process, lz4 through its tool, see <see cref="Decompress"/>).
    /// </summary>
    public static byte[] Vmlinux(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        string name = Path.GetFileName(path);
        var header = Read(file, name);
        if (header.PayloadFileOffset + header.PayloadLength > file.Length)
        {
            throw new InspectionException($"{name}: payload runs past the end of the file");
        }

        byte[] payload = file.AsSpan((int)header.PayloadFileOffset, (int)header.PayloadLength).ToArray();
        byte[] vmlinux = Decompress(payload, name);

        // The kernel's build appends the decompressed size to the payload as a little-endian 32-bit word (gzip's
        // ISIZE, the *_with_size rules of arch/x86/boot/compressed for the others): a cut-off decompression is caught.
        long expected = payload.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(payload.Length - 4)) : -1;
        if (vmlinux.Length != expected)
        {
            throw new InspectionException($"{name}: the payload decompressed to {vmlinux.Length} bytes, but its size word says {expected}");
        }

        return vmlinux.AsSpan().StartsWith(ElfMagic)
            ? vmlinux
            : throw new InspectionException($"{name}: the decompressed payload is not an ELF file (first bytes {Convert.ToHexString(vmlinux.AsSpan(0, Math.Min(4, vmlinux.Length)))})");
    }

    private static byte[] Decompress(byte[] payload, string name)
    {
        var compression = Compressed.Recognise(payload);
        if (compression == Compression.None)
        {
            throw new InspectionException($"{name}: unknown kernel payload compression (first bytes {Convert.ToHexString(payload.AsSpan(0, Math.Min(4, payload.Length)))})");
        }

        // The formats other than gzip have the size word appended after their stream; the decoder gets the stream.
        if (compression != Compression.Lz4)
        {
            return Compressed.Decompress(compression == Compression.Gzip ? payload : payload.AsSpan(0, Math.Max(0, payload.Length - 4)), $"{name}'s kernel payload");
        }

        // SharpCompress has no LZ4 decoder: the kernel's legacy lz4 format goes through the lz4 tool.
        string temp = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(temp, payload.AsSpan(0, Math.Max(0, payload.Length - 4)));
            var spec = ProcessSpec.Of("lz4", "-dc") with { StandardInputFile = temp, Hint = "apt-get install lz4" };
            var (exit, output, errors) = ProcessRunner.RunForBytesAsync(spec).GetAwaiter().GetResult();
            return exit == 0 ? output : throw new InspectionException($"{name}: lz4 could not decompress the kernel payload: {errors.Trim()}");
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
