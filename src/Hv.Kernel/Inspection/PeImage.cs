using System.Buffers.Binary;

namespace Hv.Kernel.Inspection;

/// <summary>The PE/COFF facts that decide whether firmware can start an image: machine, PE32+, subsystem.</summary>
public sealed record PeImage(ushort Machine, bool Pe32Plus, ushort Subsystem)
{
    public const ushort MachineAmd64 = 0x8664;
    public const ushort SubsystemEfiApplication = 10;
    private const int PeOffsetField = 0x3C;
    private const int CoffHeaderLength = 20;

    public static PeImage Read(ReadOnlySpan<byte> image, string name)
    {
        if (image.Length < 0x40 || image[0] != (byte)'M' || image[1] != (byte)'Z')
        {
            throw new InspectionException($"{name}: not a PE image (no MZ signature)");
        }

        int pe = BinaryPrimitives.ReadInt32LittleEndian(image[PeOffsetField..]);
        if (pe < 0x40 || pe + 4 + CoffHeaderLength + 70 > image.Length || !image.Slice(pe, 4).SequenceEqual("PE\0\0"u8))
        {
            throw new InspectionException($"{name}: no PE signature at offset {pe}");
        }

        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(image[(pe + 4)..]);
        int optional = pe + 4 + CoffHeaderLength;
        ushort magic = BinaryPrimitives.ReadUInt16LittleEndian(image[optional..]);
        ushort subsystem = BinaryPrimitives.ReadUInt16LittleEndian(image[(optional + 68)..]);
        return new PeImage(machine, magic == 0x20B, subsystem);
    }

    public static PeImage ReadFile(string path) => Read(FileHead.Read(path), Path.GetFileName(path));

    /// <summary>Throws unless this is an x86-64 EFI application, which UEFI firmware can start as BOOTX64.EFI.</summary>
    public void RequireX64EfiApplication(string name)
    {
        if (Machine != MachineAmd64)
        {
            throw new InspectionException($"{name}: PE machine 0x{Machine:X4} is not x86-64 (0x8664)");
        }

        if (!Pe32Plus)
        {
            throw new InspectionException($"{name}: PE32, not PE32+ (64-bit)");
        }

        if (Subsystem != SubsystemEfiApplication)
        {
            throw new InspectionException($"{name}: PE subsystem {Subsystem} is not an EFI application (10)");
        }
    }
}
