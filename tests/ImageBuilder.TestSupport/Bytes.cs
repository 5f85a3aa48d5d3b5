namespace ImageBuilder.TestSupport;

/// <summary>Deterministic pseudo-random content for format tests.</summary>
public static class Bytes
{
    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
