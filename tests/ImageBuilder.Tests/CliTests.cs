using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests;

public sealed class CliTests
{
    [Fact]
    public void A_malformed_recipe_exits_2_with_located_errors_and_writes_nothing()
    {
        using var dir = new TempDirectory();
        string recipe = dir.Write("bad.yaml", "name: bad\nvolume_label: BAD\nepoch: 1\narchive: { suite: bookworm }\nhypervisor:\n  package: xen-hypervisor-4.17-amd64\n  command_line: { dom0_mem: lots }\n");

        var result = ImageBuilderCli.Run("build", recipe, "--output", dir.Combine("out"), "--cache", dir.Combine("cache"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{recipe}:7:29: hypervisor.command_line: dom0_mem: 'lots' is not a size", result.StandardError, StringComparison.Ordinal);
        Assert.Contains($"{recipe}:1:1: dom0: required", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("out")));
        Assert.False(Directory.Exists(dir.Combine("cache")));
    }

    [Fact]
    public void An_unknown_option_is_a_usage_error()
    {
        var result = ImageBuilderCli.Run("build", "recipes/xen-demo.yaml", "--colour", "blue");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--colour", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", "--cores must be 1 or more")]
    [InlineData("-2", "--cores must be 1 or more")]
    [InlineData("two", "'two'")]
    public void Build_refuses_a_core_count_that_cannot_be_and_writes_nothing(string cores, string message)
    {
        using var dir = new TempDirectory();

        var result = ImageBuilderCli.Run("build", "recipes/xen-minimal.yaml", "--output", dir.Combine("out"), "--cache", dir.Combine("cache"), "--cores", cores);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("out")) || Directory.Exists(dir.Combine("cache")));
    }

    [Fact]
    public void A_bad_source_date_epoch_is_a_usage_error()
    {
        var result = ImageBuilderCli.Run(new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = "tomorrow" }, "plan", "recipes/xen-demo.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("SOURCE_DATE_EPOCH='tomorrow'", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Booting_a_missing_image_fails_with_a_message_not_a_trace()
    {
        var result = ImageBuilderCli.Run("boot", "/nonexistent.iso", "--expect", "x");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("image not found: /nonexistent.iso", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_lists_every_step_with_its_key()
    {
        using var dir = new TempDirectory();

        var result = ImageBuilderCli.Run("plan", "recipes/xen-demo.yaml", "--cache", dir.Combine("cache"));

        Assert.Equal(0, result.ExitCode);
        foreach (string id in (string[])["packages/boot", "packages/initramfs", "packages/loader", "hypervisor", "dom0-kernel", "initramfs", "grub-bios", "boot-config"])
        {
            Assert.Matches($@"to run\s+{System.Text.RegularExpressions.Regex.Escape(id)}\s+[a-z0-9-]+-[0-9a-f]{{32}}", result.StandardOutput);
        }
    }

    [Theory]
    [InlineData("--cpus", "0")]
    [InlineData("--memory", "-5")]
    public void Boot_refuses_a_machine_that_cannot_exist(string option, string value)
    {
        var result = ImageBuilderCli.Run("boot", "/nonexistent.iso", option, value, "--expect", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--memory must be", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("qemu64 +svm")]
    [InlineData("-device")]
    [InlineData("qemu64,,+svm")]
    [InlineData("qemu64;reboot")]
    public void Boot_refuses_a_cpu_that_is_not_a_qemu_model_with_flags(string model)
    {
        var result = ImageBuilderCli.Run("boot", "/nonexistent.iso", "--cpu", model, "--expect", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--cpu takes a QEMU CPU model with flags", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b", "is not a network interface name")]
    [InlineData("sixteen-chars-xx", "is not a network interface name")]
    [InlineData("lo", "cannot attach to TAP interface lo: Invalid argument")] // tun(4) answers EINVAL for an interface that is no TAP
    public void Boot_refuses_a_lan_tap_it_cannot_use_with_the_reason(string tap, string reason)
    {
        var result = ImageBuilderCli.Run("boot", "/nonexistent.iso", "--lan-tap", tap, "--expect", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error: --lan-tap: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(reason, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_recipe_nested_50000_levels_deep_is_a_located_error_not_a_crash()
    {
        using var dir = new TempDirectory();
        string recipe = dir.Write("deep.yaml", "name: " + new string('[', 50_000) + "\n");

        var result = ImageBuilderCli.Run("build", recipe, "--output", dir.Combine("out"), "--cache", dir.Combine("cache"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{recipe}:1:70: nested deeper than 64 levels", result.StandardError, StringComparison.Ordinal);
        Assert.True(result.StandardError.Length < 1000, result.StandardError);
        Assert.False(Directory.Exists(dir.Combine("out")));
    }
}
