using System.Collections.Immutable;
using Hv.Kernel.Xen;

namespace ImageBuilder.Recipes;

/// <summary>The validated recipe. Paths are absolute; everything else is as written.</summary>
public sealed record Recipe(
    string Name,
    string VolumeLabel,
    long Epoch,
    ArchiveSpec Archive,
    HypervisorSpec Hypervisor,
    Dom0Spec Dom0,
    BootSpec Boot)
{
    /// <summary>The recipe file this came from.</summary>
    public required string SourceFile { get; init; }

    /// <summary>A folder whose templates replace the built-in ones of the same relative path (e.g. grub/grub.cfg.sbn).</summary>
    public string? Templates { get; init; }

    /// <summary>Guests built with the image and started by the Dom0; they need a <see cref="Dom0Spec.Rootfs"/>.</summary>
    public ImmutableArray<GuestSpec> Guests { get; init; } = [];

    public DemoMode Demo { get; init; } = DemoMode.Off;
}

/// <summary>Off: no demo scripts. Interactive: the menu is there for the presenter. Unattended: it also runs once at boot.</summary>
public enum DemoMode
{
    Off,
    Interactive,
    Unattended,
}

public sealed record ArchiveSpec(string Mirror, string? SecurityMirror, string Suite, ImmutableArray<string> Components, string Keyring, bool Updates)
{
    /// <summary>One-line sources.list entries, in the order apt should see them.</summary>
    public ImmutableArray<string> SourceLines()
    {
        string components = string.Join(' ', Components);
        var lines = ImmutableArray.CreateBuilder<string>();
        lines.Add($"deb {Mirror} {Suite} {components}");
        if (Updates)
        {
            lines.Add($"deb {Mirror} {Suite}-updates {components}");
        }

        if (SecurityMirror is not null)
        {
            lines.Add($"deb {SecurityMirror} {Suite}-security {components}");
        }

        return lines.ToImmutable();
    }
}

/// <summary>The hypervisor from a binary package, or compiled from <see cref="Source"/> with <see cref="Build"/>.</summary>
public sealed record HypervisorSpec(string? Package, Hv.Kernel.Sources.SourceSpec? Source, Hv.Kernel.Build.XenBuildOptions? Build, XenCommandLine CommandLine)
{
    public string Describe => Package ?? Source?.ToString() ?? "hypervisor";
}

/// <summary>
/// The Dom0: a kernel, an initramfs and, when <see cref="Rootfs"/> is given, a Debian root filesystem on squashfs that the
/// initramfs finds on the medium and boots (a live system); without it the initramfs is the whole Dom0.
/// </summary>
public sealed record Dom0Spec(KernelSpec Kernel, string CommandLine, InitramfsSpec Initramfs, RootfsSpec? Rootfs)
{
    /// <summary>The Xen tools compiled from source into the root filesystem, instead of Debian's xen-utils; null to use the packages.</summary>
    public ToolsSpec? Tools { get; init; }
}

/// <summary>The Xen Dom0 tools compiled from <see cref="Source"/> in a build root of <see cref="BuildPackages"/> from the recipe's archive.</summary>
public sealed record ToolsSpec(Hv.Kernel.Sources.SourceSpec Source, Hv.Kernel.Build.XenToolsOptions Options, ImmutableArray<string> BuildPackages);

public sealed record KernelSpec(string Package);

/// <summary>An initramfs from packages and overlays, with kernel <see cref="Modules"/> (and what they depend on) to load at boot.</summary>
public sealed record InitramfsSpec(ImmutableArray<string> Packages, ImmutableArray<string> Overlays, ImmutableArray<string> Modules);

/// <summary>A root filesystem installed from Debian packages, overlays merged over it.</summary>
public sealed record RootfsSpec(ImmutableArray<string> Packages, ImmutableArray<string> Overlays, string Hostname, bool Presenter, ImmutableArray<string> AuthorizedKeys)
{
    /// <summary>Hosts booted from this image find each other and live-migrate guests between them (SSH, mDNS).</summary>
    public bool CrossHostMigration { get; init; }
}

public enum GuestType
{
    Pv,
    Pvh,
    Hvm,
}

/// <summary>
/// A DomU: what every kind of guest has. Its kind is its type: an <see cref="InitramfsGuestSpec"/> or a
/// <see cref="DiskGuestSpec"/> runs the Dom0's kernel, booted directly by Xen (PV or PVH); an <see cref="HvmGuestSpec"/>
/// boots from its own disk through the firmware of its device model, as an unmodified OS on real hardware would.
/// </summary>
public abstract record GuestSpec(
    string Name,
    GuestType Type,
    int MemoryMiB,
    int Vcpus,
    bool Autostart,
    string? Bridge,
    string CommandLine,
    ImmutableArray<string> Packages,
    ImmutableArray<string> Overlays)
{
    public string TypeName => Type.ToString().ToLowerInvariant();

    /// <summary>What its root is, for people (the manifest).</summary>
    public abstract string Root { get; }
}

/// <summary>A PV or PVH guest whose root is an initramfs of <see cref="GuestSpec.Packages"/> and overlays.</summary>
public sealed record InitramfsGuestSpec(string Name, GuestType Type, int MemoryMiB, int Vcpus, bool Autostart, string? Bridge, string CommandLine, ImmutableArray<string> Packages, ImmutableArray<string> Overlays)
    : GuestSpec(Name, Type, MemoryMiB, Vcpus, Autostart, Bridge, CommandLine, Packages, Overlays)
{
    public override string Root => "initramfs";
}

/// <summary>A PV or PVH guest whose root is a Debian root on a writable ext4 disk, mounted by the live initramfs.</summary>
public sealed record DiskGuestSpec(string Name, GuestType Type, int MemoryMiB, int Vcpus, bool Autostart, string? Bridge, string CommandLine, ImmutableArray<string> Packages, ImmutableArray<string> Overlays, int DiskMiB)
    : GuestSpec(Name, Type, MemoryMiB, Vcpus, Autostart, Bridge, CommandLine, Packages, Overlays)
{
    public override string Root => "ext4 disk";
}

/// <summary>
/// An HVM guest: a Debian root on a bootable GPT disk (GRUB for BIOS and UEFI, the kernel and an initramfs on its EFI
/// system partition) that <see cref="Firmware"/> boots; nothing Xen-specific is needed to boot it.
/// </summary>
public sealed record HvmGuestSpec(string Name, int MemoryMiB, int Vcpus, bool Autostart, string? Bridge, string CommandLine, ImmutableArray<string> Packages, ImmutableArray<string> Overlays, int DiskMiB, GuestFirmware Firmware)
    : GuestSpec(Name, GuestType.Hvm, MemoryMiB, Vcpus, Autostart, Bridge, CommandLine, Packages, Overlays)
{
    /// <summary>
    /// The console is the one serial port, which is both `xl console` and the log the Dom0 reads (the device model
    /// writes what the port sends to a file as well). One port for both: Linux's 8250 driver is the console of one
    /// port only, so a second port named on the command line never becomes /dev/console.
    /// </summary>
    public const string DefaultCommandLine = "console=ttyS0,115200";

    public override string Root => $"bootable GPT disk ({Firmware.ToString().ToLowerInvariant()})";
}

/// <summary>The firmware an HVM guest's device model runs: SeaBIOS (a PC BIOS) or OVMF (UEFI).</summary>
public enum GuestFirmware
{
    Seabios,
    Ovmf,
}

public enum BootEntryType
{
    Xen,
    Linux,
}

/// <summary>
/// A boot menu entry. For Xen entries <see cref="XenOptions"/> is merged over the hypervisor's command line
/// and <see cref="KernelOptions"/>, when set, replaces the Dom0 command line.
/// </summary>
public sealed record BootEntry(string Title, BootEntryType Type, XenCommandLine XenOptions, string? KernelOptions);

public sealed record SerialSpec(int Port, int Speed);

public enum FirmwareKind
{
    Bios,
    Uefi,
}

/// <summary>What boots under UEFI: GRUB (same menu as BIOS) or xen.efi itself with a rendered xen.cfg.</summary>
public enum UefiLoader
{
    Grub,
    XenEfi,
}

public sealed record BootSpec(int Timeout, SerialSpec Serial, ImmutableArray<BootEntry> Entries, int Default, ImmutableArray<FirmwareKind> Firmware, UefiLoader UefiLoader)
{
    public bool Bios => Firmware.Contains(FirmwareKind.Bios);

    public bool Uefi => Firmware.Contains(FirmwareKind.Uefi);
}
