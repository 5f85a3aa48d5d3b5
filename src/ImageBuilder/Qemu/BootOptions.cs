using System.Collections.Immutable;

namespace ImageBuilder.Qemu;

public enum Firmware
{
    Bios,
    Uefi,

    /// <summary>OVMF with Secure Boot on and Microsoft's keys enrolled, as laptops ship (q35 with SMM, as it needs).</summary>
    SecureBoot,
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
    /// <summary>Virtual CPUs of one machine when none are asked for: two (Dom0 and guests run side by side).</summary>
    public const int DefaultCpus = 2;

    public int Cpus { get; init; } = DefaultCpus;

    /// <summary>
    /// Virtual CPUs per machine when MACHINES boot at once on a host with HOSTCORES cores: <see cref="DefaultCpus"/>, or
    /// fewer so that the machines' CPUs do not outnumber the host's. TCG runs each virtual CPU as a host thread; beyond
    /// the cores, a thread spinning on a Xen lock waits for one the host has set aside (bench/README: two machines on
    /// two cores, one CPU each against two).
    /// </summary>
    public static int CpusPerMachine(int hostCores, int machines) => Math.Clamp(hostCores / Math.Max(1, machines), 1, DefaultCpus);

    /// <summary>Texts that end the boot as failed as soon as the serial console shows one (a failure the image reports).</summary>
    public ImmutableArray<string> FailOn { get; init; } = [];

    /// <summary>QEMU's CPU model: AMD-V with nested paging by default, so Xen runs PVH and HVM guests with HAP.</summary>
    public string CpuModel { get; init; } = QemuCommand.DefaultCpu;

    /// <summary>The machine's NIC on a <see cref="VirtualLan"/>; none: no NIC at all, as a machine without a cable.</summary>
    public LanPort? Lan { get; init; }

    /// <summary>The GRUB menu entry to boot instead of the default one, chosen with keys on the serial console.</summary>
    public GrubMenuPath? MenuEntry { get; init; }
}
