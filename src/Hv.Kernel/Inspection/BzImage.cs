using System.Buffers.Binary;

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
}
