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
}
