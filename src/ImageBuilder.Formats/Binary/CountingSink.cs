namespace ImageBuilder.Formats.Binary;

/// <summary>
/// A stream wrapper that counts what was written, so a streaming writer can check that every region lands
/// exactly where its layout pass put it.
/// </summary>
internal sealed class CountingSink(Stream output, string format)
{
    private static readonly byte[] ZeroBlock = new byte[1 << 16];

    public long Position { get; private set; }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        Position += bytes.Length;
    }

    public void Zeros(long count)
    {
        while (count > 0)
        {
            int n = (int)Math.Min(count, ZeroBlock.Length);
            Write(ZeroBlock.AsSpan(0, n));
            count -= n;
        }
    }

    /// <summary>Zero-fills up to the next multiple of <paramref name="unit"/>.</summary>
    public void PadTo(int unit) => Zeros((unit - (Position % unit)) % unit);

    /// <summary>Accounts for bytes written behind the sink's back (positioned writes).</summary>
    public void Skip(long to) => Position = to;

    public void Expect(long offset)
    {
        if (Position != offset)
        {
            throw new InvalidOperationException($"{format} writer out of step: at byte {Position}, layout expects byte {offset}");
        }
    }
}
