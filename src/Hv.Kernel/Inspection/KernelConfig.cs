using System.Collections.Immutable;
using System.IO.Compression;
using System.Text;
using ImageBuilder.Common.Processes;

namespace Hv.Kernel.Inspection;

/// <summary>A kernel .config: option name to value ("y", "m", a string or number); "is not set" lines are absent options.</summary>
public sealed record KernelConfig(ImmutableSortedDictionary<string, string> Options, string Source)
{
    private static readonly byte[] IkconfigStart = "IKCFG_ST"u8.ToArray();

    public string? this[string option] => Options.GetValueOrDefault(option);

    public static KernelConfig Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var options = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (!line.StartsWith("CONFIG_", StringComparison.Ordinal))
            {
                continue;
            }

            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                options[line[..eq]] = line[(eq + 1)..].Trim('"');
            }
        }

        return new KernelConfig(options.ToImmutable(), source);
    }

    public static KernelConfig ReadFile(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>
    /// The configuration embedded with CONFIG_IKCONFIG: decompress the bzImage payload (gzip in process,
    /// xz/zstd/lzma/lz4/bzip2 through their command-line tools) and find the gzip stream after "IKCFG_ST".
    /// Null when the kernel does not embed one.
    /// </summary>
    public static KernelConfig? FromEmbedded(string bzImagePath)
    {
        byte[] file = File.ReadAllBytes(bzImagePath);
        var header = BzImage.Read(file, Path.GetFileName(bzImagePath));
        if (header.PayloadFileOffset + header.PayloadLength > file.Length)
        {
            throw new InspectionException($"{Path.GetFileName(bzImagePath)}: payload runs past the end of the file");
        }

        byte[] payload = file.AsSpan((int)header.PayloadFileOffset, (int)header.PayloadLength).ToArray();
        byte[] vmlinux = Decompress(payload, Path.GetFileName(bzImagePath));
        int at = vmlinux.AsSpan().IndexOf(IkconfigStart);
        if (at < 0)
        {
            return null;
        }

        using var gzip = new GZipStream(new MemoryStream(vmlinux, at + IkconfigStart.Length, vmlinux.Length - at - IkconfigStart.Length), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return Parse(reader.ReadToEnd(), $"{bzImagePath} (IKCONFIG)");
    }

    private static byte[] Decompress(byte[] payload, string name)
    {
        if (payload.Length > 2 && payload[0] == 0x1F && payload[1] == 0x8B)
        {
            using var gzip = new GZipStream(new MemoryStream(payload), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }

        (string Tool, string[] Args)? tool = payload switch
        {
            [0xFD, 0x37, 0x7A, 0x58, 0x5A, ..] => ("xz", ["-dc"]),
            [0x28, 0xB5, 0x2F, 0xFD, ..] => ("zstd", ["-dc"]),
            [0x5D, 0x00, 0x00, ..] => ("xz", ["--format=lzma", "-dc"]),
            [0x42, 0x5A, 0x68, ..] => ("bzip2", ["-dc"]),
            [0x02, 0x21, 0x4C, 0x18, ..] => ("lz4", ["-dc"]),
            _ => null,
        };
        if (tool is null)
        {
            throw new InspectionException($"{name}: unknown kernel payload compression (first bytes {Convert.ToHexString(payload.AsSpan(0, Math.Min(4, payload.Length)))})");
        }

        string temp = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(temp, payload);
            var spec = ProcessSpec.Of(tool.Value.Tool, tool.Value.Args) with { StandardInputFile = temp, Hint = $"apt-get install {tool.Value.Tool}" };
            var (_, output, errors) = ProcessRunner.RunForBytesAsync(spec).GetAwaiter().GetResult();

            // Decompressors may complain about the size word the kernel appends; what came before it is complete.
            return output.Length > 0 ? output : throw new InspectionException($"{name}: {tool.Value.Tool} could not decompress the kernel payload: {errors.Trim()}");
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
