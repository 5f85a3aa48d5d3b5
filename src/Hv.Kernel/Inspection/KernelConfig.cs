using System.Collections.Immutable;
using System.IO.Compression;
using System.Text;

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
    /// The configuration embedded with CONFIG_IKCONFIG: the gzip stream after "IKCFG_ST" in the kernel the bzImage
    /// carries (<see cref="BzImage.Vmlinux"/>). Null when the kernel does not embed one.
    /// </summary>
    public static KernelConfig? FromEmbedded(string bzImagePath)
    {
        byte[] vmlinux = BzImage.Vmlinux(bzImagePath);
        int at = vmlinux.AsSpan().IndexOf(IkconfigStart);
        if (at < 0)
        {
            return null;
        }

        using var gzip = new GZipStream(new MemoryStream(vmlinux, at + IkconfigStart.Length, vmlinux.Length - at - IkconfigStart.Length), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return Parse(reader.ReadToEnd(), $"{bzImagePath} (IKCONFIG)");
    }
}
