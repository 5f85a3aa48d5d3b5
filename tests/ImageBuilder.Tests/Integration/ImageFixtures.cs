using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Integration;

/// <summary>Builds a recipe once for a test class, sharing the repository's cache/ with README's commands.</summary>
public abstract class ImageFixture : IDisposable
{
    protected ImageFixture(string name)
    {
        Directory = new TempDirectory("ib-" + name);
        Image = DemoBuild.Build(Repository.PathOf($"recipes/{name}.yaml"), Directory.Combine("out"), Repository.PathOf("cache"), name);
    }

    public TempDirectory Directory { get; }

    public string Image { get; }

    public void Dispose()
    {
        Directory.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>recipes/xen-minimal.yaml: Xen and a busybox Dom0 in RAM, the quickest full boot.</summary>
public sealed class MinimalImageFixture() : ImageFixture("xen-minimal");

/// <summary>recipes/xen-demo.yaml: the live Debian Dom0 with guests and the unattended demo.</summary>
public sealed class LiveDemoFixture() : ImageFixture("xen-demo");

/// <summary>recipes/xen-source.yaml: the whole Xen stack compiled from Debian's source package, with the demo's guests.</summary>
public sealed class SourceImageFixture() : ImageFixture("xen-source");

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

    /// <summary>Boots until Xen and the Dom0 are up (and <paramref name="alsoExpected"/>); returns what the command printed.</summary>
    public static string Boot(string image, string firmware, string media, string log, params string[] alsoExpected)
    {
        var boot = ImageBuilderCli.Run(["boot", image, "--firmware", firmware, "--media", media, "--timeout", "300", "--log", log, "--timeline", .. DemoMarkers.Concat(alsoExpected).SelectMany(m => new[] { "--expect", m })]);
        Assert.True(boot.ExitCode == 0, boot.StandardOutput + boot.StandardError);
        Assert.Equal(1, CountOf(File.ReadAllText(log), "IMAGEBUILDER-DOM0-READY"));
        AssertTimeline(boot.StandardOutput, "Xen started", "kernel started", "Dom0 ready");
        return boot.StandardOutput;
    }

    /// <summary>The boot printed these phases of its timeline, in this order, at increasing times.</summary>
    public static void AssertTimeline(string output, params string[] phases)
    {
        var printed = System.Text.RegularExpressions.Regex.Matches(output, @"(?m)^(?:machine [0-9]+ \([0-9a-f:]+\): )?timeline: +([0-9.]+) s +\(\+ *[0-9.]+ s\) +(.+?)\r?$")
            .ToDictionary(m => m.Groups[2].Value, m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        var times = phases.Select(p => printed.TryGetValue(p, out double at) ? at : throw new Xunit.Sdk.XunitException($"timeline has no phase '{p}':\n{output}")).ToList();
        Assert.True(times.Zip(times.Skip(1)).All(pair => pair.First <= pair.Second), output);
        Assert.True(times[0] > 0, output);
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

/// <summary>
/// QEMU tests run one at a time, so that a test's machines have the host's cores to themselves (a test that boots two
/// at once gives each one CPU on two cores: two TCG guests of two CPUs each slow each other past their timeouts). The builds beside
/// them (the build lane) are in this collection too, so that they run one at a time, in <see cref="QemuClassOrder"/>.
/// </summary>
[CollectionDefinition("qemu", DisableParallelization = true)]
[TestClassOrderer(typeof(QemuClassOrder))]
public sealed class QemuTestGroup;
