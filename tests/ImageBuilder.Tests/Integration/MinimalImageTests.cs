using System.Text.Json;
using System.Text.RegularExpressions;
using ImageBuilder.Common.Processes;
using ImageBuilder.Qemu;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Integration;

/// <summary>
/// The boot paths: the minimal image (Xen + busybox Dom0) built from the Debian archive, read by independent tools and
/// booted in QEMU (TCG) through README's plain qemu lines. Our own command boots it along all four paths (both
/// firmwares from CD and USB) in <see cref="ImageTestCommandTests"/>, as the sample CI workflow does; the demo image
/// boots BIOS CD and UEFI USB again in <see cref="LiveDemoTests"/> and <see cref="TwoHostMigrationTests"/>.
/// </summary>
[Trait("Category", "Slow")]
[Collection("qemu")]
public sealed class MinimalImageTests(MinimalImageFixture demo) : IClassFixture<MinimalImageFixture>
{
    private const string Ovmf = "/usr/share/ovmf/OVMF.fd";

    [Theory]
    [InlineData("bios-disk", false, "-drive", "file={0},format=raw,snapshot=on")]
    [InlineData("uefi-cdrom", true, "-cdrom")]
    public async Task The_image_boots_under_plain_qemu_command_lines(string name, bool uefi, string option, string? value = null)
    {
        // README's lines: TCG with AMD-V and nested paging.
        var args = new List<string> { "-accel", "tcg", "-cpu", "qemu64,+svm,+npt", "-m", "1536", "-nographic" };
        if (uefi)
        {
            args.AddRange(["-bios", Ovmf]);
        }

        args.Add(option);
        args.Add(value is null ? demo.Image : string.Format(System.Globalization.CultureInfo.InvariantCulture, value, demo.Image));

        var outcome = await BootRunner.WatchAsync(ProcessSpec.Of(QemuCommand.Program, args), DemoBuild.DemoMarkers, TimeSpan.FromSeconds(300), demo.Directory.Combine($"plain-{name}.log"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(outcome.Succeeded, $"{outcome.Reason}\n{outcome.LogTail}");
    }

    /// <summary>
    /// Each Troubleshooting entry, chosen in the menu as a presenter would (keys on the console), boots to a ready Dom0,
    /// and Xen or Linux prints the workaround's option in the command line it received. The UEFI-only entries show
    /// under UEFI only, so the same entry sits at another position under BIOS.
    /// </summary>
    /// <remarks>efi=attr=uc only matters on firmware whose memory map has regions of unknown type (OVMF's has none, and
    /// under TCG that entry's console is slow): its entry is read back from the menu instead.</remarks>
    [Theory]
    [InlineData("uefi", "3>0", "(XEN) Command line:", "efi=no-rs")]
    [InlineData("bios", "3>0", "(XEN) Command line:", "iommu=0")]
    [InlineData("bios", "3>1", "Kernel command line:", "nomodeset")]
    public void Each_troubleshooting_entry_boots_the_dom0_with_its_option(string firmware, string entry, string commandLine, string option)
    {
        string log = demo.Directory.Combine($"troubleshooting-{firmware}-{option}.log");

        var boot = ImageBuilderCli.Run(["boot", demo.Image, "--firmware", firmware, "--media", "usb", "--menu-entry", entry, "--timeout", "600", "--log", log,
            "--expect", "Xen version 4.17", "--expect", "IMAGEBUILDER-DOM0-READY"]);

        string serial = File.ReadAllText(log);
        Assert.True(boot.ExitCode == 0, boot.StandardOutput + boot.StandardError);
        var line = serial.Split('\n').First(l => l.Contains(commandLine, StringComparison.Ordinal));
        Assert.Contains(option, line.TrimEnd().Split(' '));
    }

    [Fact]
    public void The_menu_grub_reads_has_a_troubleshooting_submenu_with_each_workaround_and_the_uefi_ones_on_uefi_only()
    {
        string cfg = demo.Directory.Combine("grub.cfg");
        Tool.Run("xorriso", "-osirrox", "on", "-indev", demo.Image, "-extract", "/boot/grub/grub.cfg", cfg);
        var check = Tool.RunUnchecked("grub-script-check", cfg);
        string text = File.ReadAllText(cfg);
        string submenu = text[text.IndexOf("submenu 'Troubleshooting' {", StringComparison.Ordinal)..];

        Assert.True(check.ExitCode == 0, check.StandardOutput + check.StandardError);
        Assert.Equal(4, submenu.Split('\n').Count(l => l.TrimStart().StartsWith("menuentry ", StringComparison.Ordinal)));
        Assert.Matches(@"if \[ ""\$grub_platform"" = efi \]; then\s+menuentry [^\n]*\(efi=no-rs\)[^\n]*\n[^\n]*\n\s+multiboot2 /boot/xen\.gz [^\n]* efi=no-rs\n", submenu);
        Assert.Matches(@"if \[ ""\$grub_platform"" = efi \]; then\s+menuentry [^\n]*\(efi=attr=uc\)[^\n]*\n[^\n]*\n\s+multiboot2 /boot/xen\.gz [^\n]* efi=attr=uc\n", submenu);
        Assert.Matches(@"\n    menuentry [^\n]*\(iommu=0\)[^\n]*\n[^\n]*\n\s+multiboot2 /boot/xen\.gz [^\n]* iommu=0\n", submenu);
        Assert.Matches(@"\n    menuentry [^\n]*\(nomodeset\)[^\n]*\n[^\n]*\n[^\n]*\n\s+module2 /boot/vmlinuz [^\n]* nomodeset\n", submenu);
    }

    [Fact]
    public void With_secure_boot_on_the_firmware_refuses_the_unsigned_loader_and_the_boot_ends_there()
    {
        string log = demo.Directory.Combine("secureboot.log");

        // OVMF's own words for a loader whose signature its db does not hold; GRUB's menu or Xen must never show.
        var boot = ImageBuilderCli.Run("boot", demo.Image, "--firmware", "secureboot", "--timeout", "300", "--log", log,
            "--fail-on", "GNU GRUB", "--fail-on", "(XEN)", "--expect", "Access Denied");

        Assert.True(boot.ExitCode == 0, boot.StandardOutput + boot.StandardError + File.ReadAllText(log));
    }

    [Fact]
    public void Independent_readers_see_bios_and_uefi_boot_entries_a_verified_gpt_and_a_clean_esp()
    {
        string image = demo.Image;
        string report = Tool.Run("xorriso", "-indev", image, "-report_el_torito", "plain", "-report_system_area", "plain");
        var sgdisk = Tool.RunUnchecked("sgdisk", "-v", image);
        string esp = demo.Directory.Combine("efi.img");
        Tool.Run("xorriso", "-osirrox", "on", "-indev", image, "-extract", "/boot/efi.img", esp);
        var fsck = Tool.RunUnchecked("fsck.fat", "-n", esp);
        string files = Tool.Run("xorriso", "-indev", image, "-find", "/", "-maxdepth", "3", "--");

        Assert.Matches(@"El Torito boot img :\s+1\s+BIOS\s+y\s+none", report);
        Assert.Matches(@"El Torito boot img :\s+2\s+UEFI\s+y\s+none", report);
        Assert.Contains("grub2-mbr", report, StringComparison.Ordinal);
        Assert.Contains("No problems found", sgdisk.StandardOutput, StringComparison.Ordinal);
        FieldLayout.AssertCarried(image);
        Assert.True(fsck.ExitCode == 0, fsck.StandardOutput + fsck.StandardError);
        Assert.Contains("BOOTX64  EFI", Tool.Run("mdir", "-i", esp, "::/EFI/BOOT"), StringComparison.Ordinal);
        foreach (string file in (string[])["/boot/xen.gz", "/boot/vmlinuz", "/boot/initrd.gz", "/boot/grub/grub.cfg", "/boot/efi.img", "/.disk/info"])
        {
            Assert.Contains($"'{file}'", files, StringComparison.Ordinal);
        }

        Assert.Matches(@"'/\.disk/imagebuilder-[0-9a-f-]{36}'", files);
        string volume = Tool.Run("isoinfo", "-d", "-i", image);
        Assert.Contains("Volume id: XEN_MINIMAL", volume, StringComparison.Ordinal);
        Assert.Contains("Application id: IMAGEBUILDER XEN-MINIMAL - SECURE BOOT MUST BE OFF, SEE README.TXT", volume, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(image + ".sha256"), $"{DemoBuild.Sha256(image)}  xen-minimal.iso\n");
    }
}

/// <summary>UEFI without GRUB: xen.efi is the EFI application and reads the rendered xen.cfg.</summary>
[Trait("Category", "Slow")]
[Collection("qemu")]
public sealed class XenEfiLoaderTests
{
    [Theory]
    [InlineData("cd")]
    [InlineData("usb")]
    public void Xen_efi_boots_dom0_under_ovmf_with_the_command_lines_as_written(string media)
    {
        using var dir = new TempDirectory("ib-xenefi");
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-minimal.yaml"), "xen-efi.yaml", [("name: xen-minimal", "name: xen-efi"), ("uefi_loader: grub", "uefi_loader: xen-efi"), .. EscapedValues.Replacements]);

        string image = DemoBuild.Build(recipe, dir.Combine("out"), Repository.PathOf("cache"), "xen-efi");
        string esp = dir.Combine("efi.img");
        Tool.Run("xorriso", "-osirrox", "on", "-indev", image, "-extract", "/boot/efi.img", esp);

        Assert.Contains("BOOTX64.cfg", Tool.Run("mdir", "-i", esp, "::/EFI/BOOT"), StringComparison.Ordinal);
        // xen.efi has no menu: its Troubleshooting sections are chosen by name from the EFI shell (README).
        string xenCfg = Tool.Run("mtype", "-i", esp, "::/EFI/BOOT/BOOTX64.cfg");
        Assert.Matches(@"\[troubleshooting-efi-no-rs\]\n#[^\n]*\noptions=[^\n]* efi=no-rs( [^\n]*)?\n", xenCfg);
        Assert.Matches(@"\[troubleshooting-efi-attr-uc\]\n#[^\n]*\noptions=[^\n]* efi=attr=uc( [^\n]*)?\n", xenCfg);
        Assert.Matches(@"\[troubleshooting-no-iommu\]\n#[^\n]*\noptions=[^\n]* iommu=0( [^\n]*)?\n", xenCfg);
        Assert.Matches(@"\[troubleshooting-nomodeset\]\n#[^\n]*\noptions=[^\n]*\nkernel=vmlinuz [^\n]* nomodeset\n", xenCfg);
        DemoBuild.Boot(image, "uefi", media, dir.Combine("serial.log"), EscapedValues.Seen);
    }
}

/// <summary>
/// Values full of GRUB's metacharacters reach Xen and the Dom0 kernel exactly as the recipe wrote them, through GRUB
/// (BIOS) here and through xen.efi's configuration in <see cref="XenEfiLoaderTests"/>; the menu shows the title.
/// </summary>
[Trait("Category", "Slow")]
[Collection("qemu")]
public sealed class EscapedValuesBootTests
{
    [Fact]
    public void Command_lines_and_titles_with_grub_metacharacters_arrive_as_written()
    {
        using var dir = new TempDirectory("ib-escapes");
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-minimal.yaml"), "xen-escapes.yaml",
            [("name: xen-minimal", "name: xen-escapes"), ("    - title: Xen + Dom0\n", $"    - title: '{EscapedValues.Title.Replace("'", "''", StringComparison.Ordinal)}'\n"), .. EscapedValues.Replacements]);

        string image = DemoBuild.Build(recipe, dir.Combine("out"), Repository.PathOf("cache"), "xen-escapes");

        DemoBuild.Boot(image, "bios", "cd", dir.Combine("serial.log"), [EscapedValues.Title, .. EscapedValues.Seen]);
    }
}

internal static class EscapedValues
{
    public const string Title = "It's \"$x\" ; {menu} | \\ #1";

    public const string KernelArgument = "ib.test=a$b;c{d}e|f&g<h>i*?(j)!~%^";

    public const string XenArgument = "ib.xen=x$y;z{w}<v>";

    public static readonly (string From, string To)[] Replacements =
    [
        ("  command_line: console=hvc0\n", $"  command_line: console=hvc0 {KernelArgument}\n"),
        ("    guest_loglvl: all\n", $"    guest_loglvl: all\n    extra: '{XenArgument}'\n"),
    ];

    /// <summary>Xen prints its command line, Linux its own, on the serial console.</summary>
    public static readonly string[] Seen = [$"{XenArgument}", $"Kernel command line: console=hvc0 {KernelArgument}"];
}

// Boots nothing: .ci/run runs the Build lane beside the boots (build.cake).
[Trait("Category", "Slow")]
[Trait("Lane", "Build")]
[Collection("qemu")]
public sealed class DeterminismTests(LiveDemoFixture demo) : IClassFixture<LiveDemoFixture>
{
    /// <summary>
    /// The full demo (compiled Xen, Debian roots installed by mmdebstrap, squashfs, ext4, the ISO around them) built
    /// again from an empty cache gives the fixture's bytes.
    /// </summary>
    [Fact]
    public void A_build_from_an_empty_cache_gives_identical_bytes()
    {
        using var dir = new TempDirectory("ib-determinism");

        string again = DemoBuild.Build(Repository.PathOf("recipes/xen-demo.yaml"), dir.Combine("out"), dir.Combine("cache"), "xen-demo");

        Assert.Equal(DemoBuild.Sha256(demo.Image), DemoBuild.Sha256(again));
    }
}

/// <summary>
/// The hybrid layout real laptops took (README), as three partitioning tools read it from an image: a type-0 MBR entry
/// over sector 0 marked active beside the 0xEE one (fdisk's MBR view), an MBR gdisk still calls protective, a GPT sfdisk
/// verifies with the legacy-BIOS-bootable attribute on the ISO's partition only; and the medium saying that Secure Boot
/// must be off.
/// </summary>
internal static class FieldLayout
{
    public static void AssertCarried(string image)
    {
        string name = Regex.Escape(Path.GetFileName(image));
        Assert.Matches($@"{name}2\s+\*\s+0\s+0\s+1\s+512B\s+0\s+Empty", Tool.Run("fdisk", "-l", "-t", "dos", image));
        Assert.Contains("Found valid GPT with protective MBR; using GPT.", Tool.Run("gdisk", "-l", image), StringComparison.Ordinal);
        Assert.Contains("No errors detected", Tool.Run("sfdisk", "--verify", image), StringComparison.Ordinal);
        using var table = JsonDocument.Parse(Tool.Run("sfdisk", "--json", image));
        var attributes = table.RootElement.GetProperty("partitiontable").GetProperty("partitions").EnumerateArray()
            .Select(p => p.TryGetProperty("attrs", out var a) ? a.GetString() ?? string.Empty : string.Empty).ToList();
        Assert.Equal([true, false, false], attributes.Select(a => a.Contains("LegacyBIOSBootable", StringComparison.Ordinal)));
        Assert.Contains("SECURE BOOT MUST BE OFF", Tool.Run("isoinfo", "-R", "-i", image, "-x", "/README.txt"), StringComparison.Ordinal);
        Assert.Contains("SECURE BOOT MUST BE OFF, SEE README.TXT", Tool.Run("isoinfo", "-d", "-i", image), StringComparison.Ordinal);
    }
}
