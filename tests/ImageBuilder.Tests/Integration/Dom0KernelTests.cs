using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Integration;

/// <summary>A real Debian kernel package that cannot be Dom0 stops the build before anything is packed, naming the option.</summary>
[Trait("Category", "Slow")]
public sealed class Dom0KernelTests
{
    [Fact]
    public void Debians_cloud_kernel_is_refused_as_dom0_naming_the_missing_option()
    {
        using var dir = new TempDirectory("ib-cloud-kernel");
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-minimal.yaml"), "cloud.yaml",
            ("name: xen-minimal", "name: cloud-kernel"), ("package: linux-image-amd64", "package: linux-image-cloud-amd64"));

        var result = ImageBuilderCli.Run("build", recipe, "--output", dir.Combine("out"), "--cache", Repository.PathOf("cache"));

        // Debian builds its cloud flavour as a Xen (and KVM, Hyper-V) guest, without Dom0 support.
        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"kernel 6\.1\.\S+-cloud-amd64 from linux-image-cloud-amd64 cannot run as Xen Dom0 \(\S+/config-6\.1\.\S+-cloud-amd64\): CONFIG_XEN_DOM0 is not set \(needs y\)", result.StandardError);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("out")) && Directory.EnumerateFileSystemEntries(dir.Combine("out")).Any());
    }
}
