using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Integration;

/// <summary>Builds recipes/xen-demo.yaml once for a test class (sharing the repository's cache/ with README's demo).</summary>
public sealed class DemoImageFixture : IDisposable
{
    public DemoImageFixture()
    {
        Directory = new TempDirectory("ib-demo");
        Image = DemoBuild.Build(Repository.PathOf("recipes/xen-demo.yaml"), Directory.Combine("out"), Repository.PathOf("cache"), "xen-demo");
    }

    public TempDirectory Directory { get; }

    public string Image { get; }

    public void Dispose() => Directory.Dispose();
}

internal static class DemoBuild
{
    public static readonly string[] DemoMarkers = ["Xen version 4.17", "IMAGEBUILDER-DOM0-READY xen=4.17."];

    public static string Build(string recipe, string output, string cache, string name)
    {
        var result = ImageBuilderCli.Run("build", recipe, "--output", output, "--cache", cache);
        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        string image = Path.Combine(output, name + ".iso");
        Assert.True(File.Exists(image));
        Assert.Empty(System.IO.Directory.GetFiles(output, "*.tmp*"));
        return image;
    }

    public static void Boot(string image, string firmware, string media, string log)
    {
        var boot = ImageBuilderCli.Run(["boot", image, "--firmware", firmware, "--media", media, "--timeout", "300", "--log", log, .. DemoMarkers.SelectMany(m => new[] { "--expect", m })]);
        Assert.True(boot.ExitCode == 0, boot.StandardOutput + boot.StandardError);
        Assert.Equal(1, CountOf(File.ReadAllText(log), "IMAGEBUILDER-DOM0-READY"));
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    private static int CountOf(string text, string marker)
    {
        int count = 0;
        for (int at = text.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(marker, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}

/// <summary>QEMU tests run one at a time: two TCG guests on two cores slow each other past their timeouts.</summary>
[CollectionDefinition("qemu", DisableParallelization = true)]
public sealed class QemuTestGroup;
