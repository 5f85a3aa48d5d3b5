using System.Collections.Immutable;

namespace ImageBuilder.Qemu;

public enum Firmware
{
    Bios,
    Uefi,
}

public enum BootMedia
{
    Cd,
    Usb,
}

public sealed record BootOptions(
    string Image,
    Firmware Firmware,
    BootMedia Media,
    TimeSpan Timeout,
    ImmutableArray<string> Expect,
    int MemoryMiB,
    string LogFile)
{
    public int Cpus { get; init; } = 2;

    /// <summary>QEMU's CPU model: AMD-V with nested paging by default, so Xen runs PVH and HVM guests with HAP.</summary>
    public string CpuModel { get; init; } = QemuCommand.DefaultCpu;
}
