using System.Text;
using ImageBuilder.Formats.Binary;

namespace ImageBuilder.Formats.Cpio;

/// <summary>One header of the "newc" (SVR4, no CRC) cpio format.</summary>
public sealed record CpioEntry(string Name, int Mode, long FileSize, long ModificationTime)
{
    public int Inode { get; init; }

    public int Uid { get; init; }

    public int Gid { get; init; }

    public int LinkCount { get; init; } = 1;

    public int RDevMajor { get; init; }

    public int RDevMinor { get; init; }
}

/// <summary>
/// Streams a newc cpio archive entry by entry, the format the Linux kernel unpacks as initramfs.
/// The trailer is written on <see cref="Dispose"/>.
/// </summary>
public sealed class CpioNewcWriter : IDisposable
{
    public const string Magic = "070701";
    public const string TrailerName = "TRAILER!!!";
    public const int HeaderLength = 110;
    private const int FieldLength = 8;
    private const int Alignment = 4;

    private readonly Stream output;
    private readonly bool leaveOpen;
    private long position;
    private bool disposed;

    public CpioNewcWriter(Stream output, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        this.output = output;
        this.leaveOpen = leaveOpen;
    }

    public void WriteEntry(CpioEntry entry, Stream? data = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (entry.FileSize > uint.MaxValue)
        {
            throw new ArgumentException($"{entry.Name}: newc cannot hold files of 4 GiB or more", nameof(entry));
        }

        WriteHeader(entry);
        if (entry.FileSize > 0)
        {
            if (data is null)
            {
                throw new ArgumentException($"{entry.Name}: data stream required for a non-empty entry", nameof(data));
            }

            ExactCopy.Copy(data, entry.FileSize, entry.Name, Write);
            Pad();
        }
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        WriteHeader(new CpioEntry(TrailerName, 0, 0, 0) { LinkCount = 1 });
        output.Flush();
        disposed = true;
        if (!leaveOpen)
        {
            output.Dispose();
        }
    }

    private void WriteHeader(CpioEntry entry)
    {
        byte[] name = Encoding.UTF8.GetBytes(entry.Name);
        Span<byte> header = stackalloc byte[HeaderLength];
        Encoding.ASCII.GetBytes(Magic, header);
        int offset = Magic.Length;
        foreach (long field in (ReadOnlySpan<long>)[
            entry.Inode, entry.Mode, entry.Uid, entry.Gid, entry.LinkCount, entry.ModificationTime, entry.FileSize,
            0, 0, entry.RDevMajor, entry.RDevMinor, name.Length + 1, 0])
        {
            WriteHexField(header.Slice(offset, FieldLength), field);
            offset += FieldLength;
        }

        Write(header);
        Write(name);
        Write([0]);
        Pad();
    }

    private static void WriteHexField(Span<byte> destination, long value)
    {
        if (value is < 0 or > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "cpio newc fields are 32-bit");
        }

        ((uint)value).TryFormat(destination, out _, "X8", System.Globalization.CultureInfo.InvariantCulture);
    }

    private void Pad()
    {
        int padding = (int)((Alignment - (position % Alignment)) % Alignment);
        Span<byte> zeros = stackalloc byte[Alignment];
        zeros.Clear();
        Write(zeros[..padding]);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        position += bytes.Length;
    }
}
