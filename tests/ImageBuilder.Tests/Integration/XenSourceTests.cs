using System.Text.Json;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Integration;

/// <summary>
/// The whole stack compiled from the Debian source package, booted: the hypervisor is ours, the Dom0 runs our xl and
/// libxl (owned by no package), guests start, and save/restore and live migration work with them (booted without
/// AMD-V: the PVH guest is skipped with its message). The build itself is checked in <see cref="XenSourceBuildTests"/>,
/// in the lane beside the boots, which compiles the stack into the shared cache before this boot needs it.
/// </summary>
[Trait("Category", "Slow")]
[Collection("qemu")]
public sealed class XenSourceTests(SourceImageFixture source) : IClassFixture<SourceImageFixture>
{
    [Fact]
    public void The_compiled_hypervisor_and_tools_boot_and_run_the_demo()
    {
        string log = source.Directory.Combine("serial.log");

        // On a CPU without AMD-V (QEMU's model with svm taken away), which is also the path where the PVH guest is
        // skipped with its message, PV guests still start and the demo shows what runs.
        var boot = ImageBuilderCli.Run("boot", source.Image, "--firmware", "uefi", "--cpu", "qemu64,-svm", "--timeout", "900", "--fail-on", "IMAGEBUILDER-DEMO-FAILED", "--log", log,
            "--expect", "IMAGEBUILDER-DOM0-READY xen=4.17.5", "--expect", "xen-compiled_by: imagebuilder", "--expect", "xen-compile_date: Thu Jan  1 00:00:00 UTC 2026",
            "--expect", "xen-tools: /usr/sbin/xl from no package (compiled from source), /usr/lib/libxenlight.so.4.17.0",
            "--expect", "guest tiny-pvh: skipped, a pvh guest needs hardware virtualisation",
            "--expect", "preflight: firmware: UEFI, Secure Boot off", "--expect", "preflight: hardware virtualization: not available",
            "--expect", "preflight: guests skipped: tiny-pvh (pvh): they need hardware virtualization", "--expect", "IMAGEBUILDER-PREFLIGHT warnings=2",
            "--expect", "IMAGEBUILDER-DOMU-READY name=tiny guest_type=PV", "--expect", "IMAGEBUILDER-DOMU-READY name=debian guest_type=PV",
            "--expect", "demo: save of tiny took", "--expect", "demo: live migration of tiny took",
            "--expect", "demo: guest tiny-pvh (PVH) is not running; its part of the demo is skipped", "--expect", "IMAGEBUILDER-DEMO-DONE");

        string serial = File.Exists(log) ? File.ReadAllText(log) : string.Empty;
        Assert.True(boot.ExitCode == 0, boot.StandardOutput + boot.StandardError + Tail(serial));
        Assert.Contains("(imagebuilder@imagebuilder.invalid)", serial, StringComparison.Ordinal);
        Assert.DoesNotContain("xen-virt_caps: pv hvm", serial, StringComparison.Ordinal);
        Assert.DoesNotContain("IMAGEBUILDER-DOMU-CREATED name=tiny-pvh", serial, StringComparison.Ordinal);
    }

    private static string Tail(string text) => "\n--- serial log tail ---\n" + string.Join('\n', text.Split('\n').TakeLast(60));
}

/// <summary>
/// The compiled stack's build, booting nothing (the lane beside the boots, build.cake): the Dom0 gets no packaged Xen
/// tools but the packages of the libraries the compiled ones need, derived from their ELF files; a rebuild compiles
/// nothing; a Kconfig option that does not stick and a failing tools build fail the build by name.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Lane", "Build")]
[Collection("qemu")]
public sealed class XenSourceBuildTests(SourceImageFixture source) : IClassFixture<SourceImageFixture>
{
    private static readonly string Recipe = Repository.PathOf("recipes/xen-source.yaml");

    [Fact]
    public void A_rebuild_compiles_nothing_and_gives_the_same_bytes()
    {
        using var dir = new TempDirectory("ib-source-again");

        var rebuild = ImageBuilderCli.Run("build", Recipe, "--output", dir.Combine("out"), "--cache", Repository.PathOf("cache"));

        Assert.True(rebuild.ExitCode == 0, rebuild.StandardOutput + rebuild.StandardError);
        Assert.Contains("[cached] hypervisor: compile Xen", rebuild.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("[cached] dom0-tools: compile the Xen Dom0 tools", rebuild.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("[run]", rebuild.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(DemoBuild.Sha256(source.Image), DemoBuild.Sha256(dir.Combine("out", "xen-source.iso")));
    }

    [Fact]
    public void The_dom0_has_no_packaged_xen_tools_but_the_packages_of_the_libraries_the_compiled_ones_need()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(source.Image, ".manifest.json")));
        string[] dom0 = [.. manifest.RootElement.GetProperty("components").GetProperty("dom0").EnumerateArray().Select(p => p.GetProperty("name").GetString()!)];
        Assert.DoesNotContain(dom0, p => p.StartsWith("xen-utils", StringComparison.Ordinal) || p.StartsWith("libxen", StringComparison.Ordinal));
        Assert.Contains("libyajl2", dom0);
        Assert.Contains("libncurses6", dom0);
        var tools = manifest.RootElement.GetProperty("dom0_tools");
        Assert.Equal("compiled from Debian source xen 4.17.5+72-g01140da4e8-1", tools.GetProperty("source").GetString());
        Assert.Equal("compiled from Debian source xen 4.17.5+72-g01140da4e8-1", manifest.RootElement.GetProperty("hypervisor").GetString());
        Assert.Contains(tools.GetProperty("runtime").EnumerateArray(), r =>
            r.GetProperty("kind").GetString() == "library" && r.GetProperty("need").GetString() == "libyajl.so.2" && r.GetProperty("package").GetString() == "libyajl2");
        Assert.Contains("--disable-stubdom", tools.GetProperty("configure").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public void A_kconfig_option_that_does_not_stick_fails_the_build_by_name()
    {
        using var dir = new TempDirectory("ib-kconfig");
        string recipe = RecipeVariant.Write(dir, Recipe, "kconfig.yaml", ("name: xen-source", "name: kconfig-check"), ("    CONFIG_SHADOW_PAGING=y\n", "    CONFIG_SHADOW_PAGING=y\n    CONFIG_SCRUB_DEBUG=y\n"));

        var result = ImageBuilderCli.Run("build", recipe, "--output", dir.Combine("out"), "--cache", Repository.PathOf("cache"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Kconfig did not keep 1 option(s) of the recipe's fragment (their dependencies are not met): CONFIG_SCRUB_DEBUG: wanted y, got not set", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("out")) && Directory.GetFiles(dir.Combine("out")).Length > 0);
    }

    [Fact]
    public void A_failing_tools_build_shows_the_last_lines_and_the_log_and_leaves_no_mount_behind()
    {
        using var dir = new TempDirectory("ib-tools-fail");
        string recipe = RecipeVariant.Write(dir, Recipe, "tools.yaml", ("name: xen-source", "name: tools-check"),
            ("    services: [xenstored.service, xenconsoled.service, xen-init-dom0.service]\n", "    configure: [--with-system-seabios=bios.bin]\n"));

        var result = ImageBuilderCli.Run("build", recipe, "--output", dir.Combine("out"), "--cache", Repository.PathOf("cache"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("./configure", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Seabios specified, but is not an absolute path", result.StandardError, StringComparison.Ordinal);
        Assert.Matches(@"full log: \S+\.log", result.StandardError);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        // The tools step's build root (an overlay in the step's scratch folder, cache/.tmp/xen-tools-KEY-…); other
        // builds sharing the cache meanwhile (the suite's other lane) may have mounts of their own there.
        Assert.DoesNotContain(Path.Combine(Repository.PathOf("cache"), ".tmp", "xen-tools-"), File.ReadAllText("/proc/mounts"), StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("out")) && Directory.GetFiles(dir.Combine("out")).Length > 0);
    }
}
