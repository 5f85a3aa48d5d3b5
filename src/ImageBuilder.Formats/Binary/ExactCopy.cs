using System.Buffers;

namespace ImageBuilder.Formats.Binary;

/// <summary>Copies exactly the number of bytes a layout collected, failing loudly if the source is shorter.</summary>
internal static class ExactCopy
{
    public delegate void Sink(ReadOnlySpan<byte> bytes);

    private const int BufferSize = 1 << 20;

    public static void Copy(Stream source, long length, string name, Sink sink)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(BufferSize, Math.Max(1, length)));
        try
        {
            long remaining = length;
            while (remaining > 0)
            {
                int read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                if (read == 0)
                {
                    throw new IOException($"{name}: source ended {remaining} bytes early (did it change since it was collected?)");
                }

                sink(buffer.AsSpan(0, read));
                remaining -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
