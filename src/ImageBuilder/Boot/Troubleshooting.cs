using System.Collections.Immutable;
using Hv.Kernel.Xen;

namespace ImageBuilder.Boot;

/// <summary>
/// A known workaround for Xen on real firmware, named for the symptom it fixes, as the boot menu's Troubleshooting
/// entries offer it: Xen options merged over the default entry's and Dom0 kernel words added to its own.
/// </summary>
/// <param name="Id">The xen.efi section's name (troubleshooting-ID) and how README refers to it.</param>
/// <param name="UefiOnly">Shown by GRUB only when it runs on UEFI (the option changes nothing under BIOS).</param>
public sealed record Workaround(string Id, string Symptom, string XenOptions, string KernelWords, bool UefiOnly)
{
    public XenCommandLine Xen => XenCommandLine.Parse(XenOptions).CommandLine;

    public string Title => $"{Symptom} ({string.Join(' ', new[] { XenOptions, KernelWords }.Where(s => s.Length > 0))})";
}

/// <summary>The Troubleshooting submenu's workarounds (README's presenter table lists the same, symptom first).</summary>
public static class Troubleshooting
{
    /// <summary>Xen's own options (docs/misc/xen-command-line.pandoc: efi, iommu) and Linux's nomodeset.</summary>
    public static ImmutableArray<Workaround> Workarounds { get; } =
    [
        new("efi-no-rs", "Black screen or reboot right after this menu on UEFI: Xen without the firmware runtime services", "efi=no-rs", "", UefiOnly: true),
        new("efi-attr-uc", "Xen stops or reboots early on UEFI: firmware memory of unknown type mapped uncached", "efi=attr=uc", "", UefiOnly: true),
        new("no-iommu", "Hangs at the IOMMU (I/O virtualisation) messages: IOMMU off", "iommu=0", "", UefiOnly: false),
        new("nomodeset", "No picture, or a garbled one, once Linux starts: the firmware graphics mode kept", "", "nomodeset", UefiOnly: false),
    ];
}
