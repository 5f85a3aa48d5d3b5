using Hv.Kernel.Inspection;
using Hv.Kernel.Modules;

namespace Hv.Kernel.Tests;

public sealed class ModuleIndexTests
{
    private const string Dep = """
        kernel/fs/isofs/isofs.ko:
        kernel/drivers/scsi/sr_mod.ko: kernel/drivers/cdrom/cdrom.ko kernel/drivers/scsi/scsi_common.ko
        kernel/drivers/cdrom/cdrom.ko: kernel/drivers/scsi/scsi_common.ko
        kernel/drivers/scsi/scsi_common.ko:
        kernel/drivers/usb/storage/usb-storage.ko: kernel/drivers/usb/core/usbcore.ko kernel/drivers/usb/common/usb-common.ko
        kernel/drivers/usb/core/usbcore.ko: kernel/drivers/usb/common/usb-common.ko
        kernel/drivers/usb/common/usb-common.ko:
        """;

    private const string Builtin = "kernel/fs/ext4/ext4.ko\nkernel/drivers/xen/xen-evtchn.ko\n";

    [Fact]
    public void Every_module_comes_after_the_modules_it_needs()
    {
        var order = ModuleIndex.Parse(Dep, Builtin).LoadOrder(["sr_mod", "usb-storage"]).Select(m => m.Name).ToList();

        Assert.Equal(["scsi_common", "cdrom", "sr_mod", "usb_common", "usbcore", "usb_storage"], order);
    }

    [Fact]
    public void Built_in_modules_need_no_file_and_shared_dependencies_appear_once()
    {
        var order = ModuleIndex.Parse(Dep, Builtin).LoadOrder(["ext4", "xen_evtchn", "cdrom", "sr_mod"]).Select(m => m.Path).ToList();

        Assert.Equal(["kernel/drivers/scsi/scsi_common.ko", "kernel/drivers/cdrom/cdrom.ko", "kernel/drivers/scsi/sr_mod.ko"], order);
    }

    [Fact]
    public void Unknown_modules_are_all_named()
    {
        var error = Assert.Throws<InspectionException>(() => ModuleIndex.Parse(Dep, Builtin).LoadOrder(["isofs", "squashfs", "overlay"]));

        Assert.Equal("kernel modules not found (neither in modules.dep nor built in): squashfs, overlay", error.Message);
    }

    [Fact]
    public void A_malformed_line_is_located()
    {
        var error = Assert.Throws<InspectionException>(() => ModuleIndex.Parse("kernel/a.ko:\nthis is not a dependency line\n", string.Empty));

        Assert.StartsWith("modules.dep line 2:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dependency_cycle_is_reported_not_followed_forever()
    {
        var index = ModuleIndex.Parse("kernel/a.ko: kernel/b.ko\nkernel/b.ko: kernel/a.ko\n", string.Empty);

        var error = Assert.Throws<InspectionException>(() => index.LoadOrder(["a"]));

        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kernel/drivers/usb/storage/usb-storage.ko", "usb_storage")]
    [InlineData("kernel/fs/isofs/isofs.ko.xz", "isofs")]
    [InlineData("xen-blkfront", "xen_blkfront")]
    public void Module_names_follow_the_kernels_rules(string path, string name) =>
        Assert.Equal(name, ModuleIndex.NameOf(path));
}
