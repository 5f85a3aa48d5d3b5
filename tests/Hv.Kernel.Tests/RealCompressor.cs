using ImageBuilder.Common.Processes;

namespace Hv.Kernel.Tests;

/// <summary>Compresses with the real tool (xz, bzip2, zstd, lzma, lz4, gzip): the independent writer our readers are checked against.</summary>
internal static class RealCompressor
{
    /// <summary><paramref name="file"/> compressed by <paramref name="tool"/> (default arguments: -c, to standard output).</summary>
    public static byte[] Compress(string tool, string file, params string[] arguments)
    {
        var spec = ProcessSpec.Of(tool, arguments.Length == 0 ? ["-c"] : arguments) with { StandardInputFile = file };
        var (exit, compressed, errors) = ProcessRunner.RunForBytesAsync(spec, TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        Assert.True(exit == 0, errors);
        return compressed;
    }
}
