using ImageBuilder.Planning;
using ImageBuilder.Recipes;
using ImageBuilder.Steps;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Recipes;

/// <summary>Guests by kind: what each needs is checked where it is written, and the Dom0 gets what HVM guests need.</summary>
public sealed class GuestKindTests
{
    private static string DemoVariant(TempDirectory dir, params (string From, string To)[] replacements) =>
        RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-demo.yaml"), "guests.yaml", replacements);

    [Fact]
    public void The_demo_runs_a_guest_of_every_kind()
    {
        var guests = RecipeLoader.Load(Repository.PathOf("recipes/xen-demo.yaml")).Recipe!.Guests;

        Assert.IsType<InitramfsGuestSpec>(guests.Single(g => g.Name == "tiny"));
        Assert.IsType<DiskGuestSpec>(guests.Single(g => g.Name == "debian"));
        Assert.Equal(GuestType.Pvh, guests.Single(g => g.Name == "tiny-pvh").Type);
        var hvm = Assert.IsType<HvmGuestSpec>(guests.Single(g => g.Name == "hvm"));
        Assert.Equal(GuestFirmware.Seabios, hvm.Firmware);
        // All start at boot (the PVH and HVM guests where Xen reports hardware virtualisation).
        Assert.Equal(["tiny", "debian", "tiny-pvh", "hvm"], guests.Where(g => g.Autostart).Select(g => g.Name));
    }

    [Fact]
    public void An_hvm_guest_without_a_disk_is_refused_where_its_type_is_written()
    {
        using var dir = new TempDirectory();
        string recipe = DemoVariant(dir, ("    disk: { size_mib: 384 }\n    firmware: seabios\n", string.Empty));

        var diagnostic = Assert.Single(RecipeLoader.Load(recipe).Diagnostics);

        Assert.Equal("guests[].disk: an hvm guest boots from its own disk through its firmware; add disk: { size_mib: N }", diagnostic.Message);
        Assert.Equal("    type: hvm", File.ReadAllLines(recipe)[diagnostic.Line - 1]);
    }

    [Theory]
    [InlineData("    firmware: seabios\n", "    firmware: coreboot\n", "guests[].firmware: 'coreboot' is not a guest firmware the archive provides (seabios or ovmf)")]
    [InlineData("    network: none\n  # Debian 12", "    network: none\n    firmware: ovmf\n  # Debian 12", "guests[].firmware: only an hvm guest boots through firmware; a pv guest's kernel is started by Xen")]
    [InlineData("    command_line: console=ttyS0,115200 quiet init=/init\n", "    command_line: console=ttyS0 x=\"a b\"\n", "guests[].command_line: '\"' cannot reach the kernel unchanged")]
    public void Hvm_mistakes_are_located(string from, string to, string expected)
    {
        using var dir = new TempDirectory();

        var diagnostic = Assert.Single(RecipeLoader.Load(DemoVariant(dir, (from, to))).Diagnostics);

        Assert.StartsWith(expected, diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_dom0_gets_the_device_model_and_the_firmware_its_hvm_guests_boot_with()
    {
        using var dir = new TempDirectory();
        var seabios = RecipeLoader.Load(Repository.PathOf("recipes/xen-demo.yaml")).Recipe!;
        var ovmf = RecipeLoader.Load(DemoVariant(dir, ("    firmware: seabios\n", "    firmware: ovmf\n"))).Recipe!;
        var none = RecipeLoader.Load(Repository.PathOf("recipes/xen-source.yaml")).Recipe!;

        Assert.Equal(["qemu-system-xen", "seabios"], BuildSteps.DeviceModelPackages(seabios.Guests));
        Assert.Equal(["qemu-system-xen", "ovmf"], BuildSteps.DeviceModelPackages(ovmf.Guests));
        Assert.Empty(BuildSteps.DeviceModelPackages(none.Guests));
        Assert.Equal(["dmsetup"], BuildSteps.DiskPackages(none.Guests));
        Assert.Empty(BuildSteps.DiskPackages(none.Guests.Where(g => g.Name != "debian")));
        Assert.Equal(["dmsetup"], BuildSteps.DiskPackages(seabios.Guests.Where(g => g is HvmGuestSpec)));
        var dom0 = BuildSteps.For(seabios, new ToolVersions()).Live!.Dom0Rootfs.Parameters.Packages;
        Assert.Contains("qemu-system-xen", dom0);
        Assert.Contains("xen-utils-4.17", dom0);
        Assert.Contains("dmsetup", dom0);
    }

    [Fact]
    public void An_hvm_guest_boots_by_firmware_from_its_disk_and_logs_its_serial_port()
    {
        var recipe = RecipeLoader.Load(Repository.PathOf("recipes/xen-demo.yaml")).Recipe!;

        var config = BuildSteps.XlGuest(recipe.Guests.Single(g => g.Name == "hvm"), recipe);

        Assert.True(config.Hvm);
        Assert.Null(config.Kernel);
        Assert.Equal("seabios", config.Firmware);
        Assert.Equal("/var/log/xen/console/guest-hvm.log", config.ConsoleLog);
        Assert.Equal("/usr/lib/imagebuilder/guests/hvm/disk.img", config.Image);
        Assert.Equal("/dev/mapper/imagebuilder-hvm", config.Disk);
        Assert.Equal("/var/lib/imagebuilder/guests/hvm.cow", config.DiskChanges);
    }
}
