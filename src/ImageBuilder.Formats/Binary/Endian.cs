using System.Buffers.Binary;
using System.Text;

namespace ImageBuilder.Formats.Binary;

/// <summary>Field encoders shared by the on-disc formats (ISO 9660 "both-endian" numbers, padded strings).</summary>
internal static class Endian
{
    public static void Both32(Span<byte> destination, long value)
    {
        uint v = checked((uint)value);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, v);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], v);
    }

    public static void Both16(Span<byte> destination, int value)
    {
        ushort v = checked((ushort)value);
        BinaryPrimitives.WriteUInt16LittleEndian(destination, v);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], v);
    }

    public static void Le32(Span<byte> destination, long value) =>
        BinaryPrimitives.WriteUInt32LittleEndian(destination, checked((uint)value));

    public static void Be32(Span<byte> destination, long value) =>
        BinaryPrimitives.WriteUInt32BigEndian(destination, checked((uint)value));

    public static void Le16(Span<byte> destination, int value) =>
        BinaryPrimitives.WriteUInt16LittleEndian(destination, checked((ushort)value));

    /// <summary>ASCII text left-aligned in a field filled with <paramref name="fill"/>.</summary>
    public static void Padded(Span<byte> destination, string text, byte fill = (byte)' ')
    {
        destination.Fill(fill);
        int written = Encoding.ASCII.GetBytes(text.AsSpan(0, Math.Min(text.Length, destination.Length)), destination);
        _ = written;
    }
}
