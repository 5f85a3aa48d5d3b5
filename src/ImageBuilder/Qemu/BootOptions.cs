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

    /// <summary>Texts that end the boot as failed as soon as the serial console shows one (a failure the image reports).</summary>
    public ImmutableArray<string> FailOn { get; init; } = [];

    /// <summary>QEMU's CPU model: AMD-V with nested paging by default, so Xen runs PVH and HVM guests with HAP.</summary>
    public string CpuModel { get; init; } = QemuCommand.DefaultCpu;

    /// <summary>The machine's NIC on a <see cref="VirtualLan"/>; none: no NIC at all, as a machine without a cable.</summary>
    public LanPort? Lan { get; init; }
}
