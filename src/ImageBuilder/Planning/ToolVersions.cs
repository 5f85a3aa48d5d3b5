using System.Collections.Concurrent;
using ImageBuilder.Common;
using ImageBuilder.Common.Processes;

namespace ImageBuilder.Planning;

/// <summary>Asks each tool for its version once per run; the answer enters the keys of the steps that run it.</summary>
public sealed class ToolVersions
{
    /// <summary>Debian packages that provide the host tools, for the hint when one is missing.</summary>
    public static readonly IReadOnlyDictionary<string, string> Providers = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["mmdebstrap"] = "mmdebstrap",
        ["apt-get"] = "apt",
        ["grub-mkimage"] = "grub-common",
        ["qemu-system-x86_64"] = "qemu-system-x86",
        ["dpkg-source"] = "dpkg-dev",
        ["gcc"] = "build-essential",
        ["make"] = "make",
        ["ld"] = "binutils",
        ["depmod"] = "kmod",
        ["gensquashfs"] = "squashfs-tools-ng",
        ["mke2fs"] = "e2fsprogs",
        ["debugfs"] = "e2fsprogs",
        ["dpkg-query"] = "dpkg",
    };

    private readonly ConcurrentDictionary<string, string> versions = new(StringComparer.Ordinal);

    public string Of(string tool) => versions.GetOrAdd(tool, Probe);

    public static ImageBuilderException Missing(string tool) =>
        new($"required tool '{tool}' is not installed")
        {
            Hint = Providers.TryGetValue(tool, out string? package)
                ? $"apt-get install {package} (or run ./build.sh, which installs the host packages)"
                : "install it with apt-get",
        };

    private static string Probe(string tool)
    {
        if (!ProcessRunner.IsAvailable(tool))
        {
            throw Missing(tool);
        }

        // e2fsprogs answers -V only.
        string flag = tool is "mke2fs" or "debugfs" ? "-V" : "--version";
        var result = ProcessRunner.RunUncheckedAsync(ProcessSpec.Of(tool, flag)).GetAwaiter().GetResult();
        string text = (result.StandardOutput + result.StandardError).Trim();
        return text.Split('\n')[0].Trim();
    }
}
