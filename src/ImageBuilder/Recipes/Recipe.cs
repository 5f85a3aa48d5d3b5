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

public sealed record Dom0Spec(KernelSpec Kernel, string CommandLine, InitramfsSpec Initramfs);

public sealed record KernelSpec(string Package);

public sealed record InitramfsSpec(ImmutableArray<string> Packages, ImmutableArray<string> Overlays);

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
