namespace ImageBuilder.Formats.Binary;

/// <summary>
/// A stream wrapper that counts what was written, so a streaming writer can check that every region lands
/// exactly where its layout pass put it. A sparse sink on a seekable output skips runs of zeros instead of writing
/// them (the file gets holes, the bytes read back are the same); <see cref="Finish"/> then sets the output's length.
/// </summary>
internal sealed class CountingSink(Stream output, string format, bool sparse = false)
{
    private static readonly byte[] ZeroBlock = new byte[1 << 16];
    private readonly bool holes = sparse && output.CanSeek;
    private long pendingHole;

    public long Position { get; private set; }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (!holes)
        {
            output.Write(bytes);
            Position += bytes.Length;
            return;
        }

        for (int at = 0; at < bytes.Length; at += ZeroBlock.Length)
        {
            var piece = bytes.Slice(at, Math.Min(ZeroBlock.Length, bytes.Length - at));
            if (piece.ContainsAnyExcept((byte)0))
            {
                SeekPastHole();
                output.Write(piece);
            }
            else
            {
                pendingHole += piece.Length;
            }

            Position += piece.Length;
        }
    }

    public void Zeros(long count)
    {
        if (holes)
        {
            pendingHole += Math.Max(0, count);
            Position += Math.Max(0, count);
            return;
        }

        while (count > 0)
        {
            int n = (int)Math.Min(count, ZeroBlock.Length);
            Write(ZeroBlock.AsSpan(0, n));
            count -= n;
        }
    }

    /// <summary>Zero-fills up to <paramref name="offset"/>, which must not lie behind what was written.</summary>
    public void ZerosTo(long offset)
    {
        if (Position > offset)
        {
            throw new InvalidOperationException($"{format} writer out of step: at byte {Position}, layout expects byte {offset} or later");
        }

        Zeros(offset - Position);
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

    /// <summary>Ends a sparse output: a hole at the end still counts towards its length.</summary>
    public void Finish()
    {
        if (pendingHole > 0)
        {
            output.SetLength(output.Position + pendingHole);
            output.Seek(0, SeekOrigin.End);
            pendingHole = 0;
        }
    }

    private void SeekPastHole()
    {
        if (pendingHole > 0)
        {
            output.Seek(pendingHole, SeekOrigin.Current);
            pendingHole = 0;
        }
    }
}
