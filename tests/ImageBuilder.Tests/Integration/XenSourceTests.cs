using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Integration;

/// <summary>Xen compiled from the Debian source package: the booted hypervisor is ours, and a rebuild compiles nothing.</summary>
[Trait("Category", "Slow")]
[Collection("qemu")]
public sealed class XenSourceTests
{
    private static readonly string Recipe = Repository.PathOf("recipes/xen-source.yaml");

    [Fact]
    public void The_compiled_hypervisor_boots_and_reports_our_build_and_a_rebuild_compiles_nothing()
    {
        using var dir = new TempDirectory("ib-source");
        string cache = Repository.PathOf("cache");
        string image = DemoBuild.Build(Recipe, dir.Combine("out"), cache, "xen-source");

        var boot = ImageBuilderCli.Run("boot", image, "--firmware", "uefi", "--timeout", "300", "--log", dir.Combine("serial.log"),
            "--expect", "IMAGEBUILDER-DOM0-READY xen=4.17.5", "--expect", "xen-compiled_by: imagebuilder", "--expect", "xen-compile_date: Thu Jan  1 00:00:00 UTC 2026");
        var rebuild = ImageBuilderCli.Run("build", Recipe, "--output", dir.Combine("out2"), "--cache", cache);

        Assert.True(boot.ExitCode == 0, boot.StandardOutput + boot.StandardError);
        Assert.Contains("(imagebuilder@imagebuilder.invalid)", File.ReadAllText(dir.Combine("serial.log")), StringComparison.Ordinal);
        Assert.Equal(0, rebuild.ExitCode);
        Assert.Contains("[cached] hypervisor: compile Xen", rebuild.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("[run]", rebuild.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(DemoBuild.Sha256(image), DemoBuild.Sha256(Path.Combine(dir.Combine("out2"), "xen-source.iso")));
    }

    [Fact]
    public void A_kconfig_option_that_does_not_stick_fails_the_build_by_name()
    {
        using var dir = new TempDirectory("ib-kconfig");
        string recipe = RecipeVariant.Write(dir, Recipe, "kconfig.yaml", ("name: xen-source", "name: kconfig-check"), ("    CONFIG_SCHED_CREDIT2=y\n", "    CONFIG_SCHED_CREDIT2=y\n    CONFIG_SCRUB_DEBUG=y\n"));

        var result = ImageBuilderCli.Run("build", recipe, "--output", dir.Combine("out"), "--cache", Repository.PathOf("cache"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Kconfig did not keep 1 option(s) of the recipe's fragment (their dependencies are not met): CONFIG_SCRUB_DEBUG: wanted y, got not set", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("out")) && Directory.GetFiles(dir.Combine("out")).Length > 0);
    }
}
