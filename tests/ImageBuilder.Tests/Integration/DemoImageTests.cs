using System.Security.Cryptography;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Integration;

/// <summary>
/// The real thing: build recipes/xen-demo.yaml from the Debian archive and boot it in QEMU (TCG).
/// Uses the repository's cache/ so that README's demo command and this test share downloads.
/// </summary>
[Trait("Category", "Slow")]
public sealed class DemoImageTests
{
    private const string Recipe = "recipes/xen-demo.yaml";

    [Fact]
    public void The_demo_image_builds_and_boots_xen_and_dom0_under_seabios_from_cd()
    {
        using var dir = new TempDirectory("ib-demo");
        string image = Build(dir.Combine("out"), Repository.PathOf("cache"));

        var boot = ImageBuilderCli.Run("boot", image, "--firmware", "bios", "--media", "cd", "--timeout", "240", "--log", dir.Combine("serial.log"),
            "--expect", "Xen version 4.17", "--expect", "IMAGEBUILDER-DOM0-READY xen=4.17.");

        Assert.True(boot.ExitCode == 0, boot.StandardOutput + boot.StandardError);
        string serial = File.ReadAllText(dir.Combine("serial.log"));
        Assert.Equal(1, CountOf(serial, "IMAGEBUILDER-DOM0-READY"));
    }

    [Fact]
    public void The_demo_image_is_an_iso_that_xorriso_reads_with_a_bios_boot_entry()
    {
        using var dir = new TempDirectory("ib-demo");
        string image = Build(dir.Combine("out"), Repository.PathOf("cache"));

        string report = Tool.Run("xorriso", "-indev", image, "-report_el_torito", "plain");
        string files = Tool.Run("xorriso", "-indev", image, "-find", "/boot", "-maxdepth", "1", "--");
        string info = Tool.Run("isoinfo", "-d", "-i", image);

        Assert.Matches(@"El Torito boot img :\s+1\s+BIOS\s+y\s+none", report);
        foreach (string file in (string[])["/boot/xen.gz", "/boot/vmlinuz", "/boot/initrd.gz", "/boot/grub"])
        {
            Assert.Contains($"'{file}'", files, StringComparison.Ordinal);
        }

        Assert.Contains("Volume id: XEN_DEMO", info, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(image + ".sha256"), $"{Sha256(image)}  xen-demo.iso\n");
    }

    [Fact]
    public void Two_builds_from_empty_caches_give_identical_images()
    {
        using var dir = new TempDirectory("ib-determinism");

        string first = Build(dir.Combine("out1"), dir.Combine("cache1"));
        string second = Build(dir.Combine("out2"), dir.Combine("cache2"));

        Assert.Equal(Sha256(first), Sha256(second));
    }

    private static string Build(string output, string cache)
    {
        var result = ImageBuilderCli.Run("build", Repository.PathOf(Recipe), "--output", output, "--cache", cache);
        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        string image = Path.Combine(output, "xen-demo.iso");
        Assert.True(File.Exists(image));
        Assert.Empty(Directory.GetFiles(output, "*.tmp*"));
        return image;
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
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
