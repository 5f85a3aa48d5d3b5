using ImageBuilder.Common;
using ImageBuilder.Common.Processes;
using static System.FormattableString;

namespace ImageBuilder.Qemu;

/// <summary>
/// The qemu-system-x86_64 invocation for a boot test: TCG (Xen hangs after GRUB under KVM here), no display,
/// the first serial port on stdout, the image attached read-only-in-effect (snapshot=on) as CD or USB disk.
/// </summary>
public static class QemuCommand
{
    public const string Program = "qemu-system-x86_64";

    /// <summary>
    /// TCG emulates AMD-V with nested paging: Xen reports hvm and hap and runs PVH and HVM guests. Plain qemu64 has SVM
    /// without NPT (HVM only on slow shadow paging); "max" crashes Xen's PV Dom0 at start.
    /// </summary>
    public const string DefaultCpu = "qemu64,+svm,+npt";
    public const string OvmfCode = "/usr/share/OVMF/OVMF_CODE_4M.fd";
    public const string OvmfVars = "/usr/share/OVMF/OVMF_VARS_4M.fd";
    public const string OvmfSecureBootCode = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd";
    public const string OvmfSecureBootVars = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd";

    /// <summary>The variable store a boot with <paramref name="firmware"/> starts from; none for BIOS.</summary>
    public static string? VarsTemplate(Firmware firmware) => firmware switch
    {
        Firmware.Uefi => OvmfVars,
        Firmware.SecureBoot => OvmfSecureBootVars,
        _ => null,
    };

    /// <param name="varsCopy">A writable copy of the UEFI variable store (UEFI only).</param>
    public static ProcessSpec For(BootOptions options, string? varsCopy)
    {
        ArgumentNullException.ThrowIfNull(options);
        var args = new List<string>
        {
            "-accel", "tcg",
            "-cpu", options.CpuModel,
            "-m", options.MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-smp", options.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-display", "none",
            "-vga", "std",
            "-serial", "stdio",
            "-monitor", "none",
            "-no-reboot",
            "-nodefaults",
        };
        if (options.Lan is { } lan)
        {
            // A NIC whose frames travel as UDP datagrams on 127.0.0.1 to the LAN's hub, and from it.
            args.AddRange(["-netdev", Invariant($"dgram,id=lan,local.type=inet,local.host=127.0.0.1,local.port={lan.MachinePort},remote.type=inet,remote.host=127.0.0.1,remote.port={lan.HubPort}")]);
            args.AddRange(["-device", $"virtio-net-pci,netdev=lan,mac={lan.Mac}"]);
        }
        else
        {
            args.AddRange(["-net", "none"]);
        }

        if (options.Firmware != Firmware.Bios)
        {
            string code = options.Firmware == Firmware.SecureBoot ? OvmfSecureBootCode : OvmfCode;
            if (!File.Exists(code) || varsCopy is null)
            {
                throw new ImageBuilderException($"UEFI firmware not found at {code}") { Hint = "apt-get install ovmf" };
            }

            if (options.Firmware == Firmware.SecureBoot)
            {
                // The Secure Boot build keeps its variables in SMM-protected flash: q35 with SMM and a secure pflash.
                args.AddRange(["-machine", "q35,smm=on", "-global", "driver=cfi.pflash01,property=secure,value=on"]);
            }

            args.AddRange(["-drive", $"if=pflash,format=raw,unit=0,readonly=on,file={code}"]);
            args.AddRange(["-drive", $"if=pflash,format=raw,unit=1,file={varsCopy}"]);
        }

        string image = Path.GetFullPath(options.Image);
        if (options.Media == BootMedia.Cd)
        {
            args.AddRange(["-drive", $"if=none,id=media,media=cdrom,readonly=on,format=raw,file={image}"]);
            args.AddRange(["-device", "ide-cd,drive=media,bootindex=0"]);
        }
        else
        {
            // A stick as the firmware sees it: a raw disk behind a USB controller.
            args.AddRange(["-drive", $"if=none,id=media,format=raw,snapshot=on,file={image}"]);
            args.AddRange(["-device", "qemu-xhci,id=xhci", "-device", "usb-storage,bus=xhci.0,drive=media,bootindex=0"]);
        }

        return ProcessSpec.Of(Program, args) with { Hint = "apt-get install qemu-system-x86" };
    }
}
