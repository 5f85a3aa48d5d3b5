using ImageBuilder.Boot;
using ImageBuilder.Formats.Fat;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// The EFI system partition image (FAT): EFI/BOOT/BOOTX64.EFI is either GRUB, or xen.efi with BOOTX64.cfg,
/// the Dom0 kernel and the initramfs beside it (xen.efi loads them from its own folder).
/// </summary>
public sealed class EspStep : Step<EspParameters>
{
    public const string EspImage = "efi.img";
    public const string XenCfgTemplate = "xen/xen.cfg.sbn";
    private const string BootFolder = "EFI/BOOT";

    private readonly GrubCoreStep? grub;
    private readonly Step? hypervisor;
    private readonly Dom0KernelStep? kernel;
    private readonly InitramfsStep? initramfs;

    /// <summary>GRUB as the UEFI loader.</summary>
    public EspStep(GrubCoreStep grub, EspParameters parameters)
        : base("esp", parameters, grub)
    {
        this.grub = grub;
    }

    /// <summary>xen.efi as the UEFI loader, with the configuration of <see cref="EspParameters.XenCfg"/>.</summary>
    public EspStep(Step hypervisor, Dom0KernelStep kernel, InitramfsStep initramfs, EspParameters parameters)
        : base("esp", parameters, hypervisor, kernel, initramfs)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.XenCfg is null || parameters.Template is null)
        {
            throw new ArgumentException("xen.efi needs its configuration and template", nameof(parameters));
        }

        this.hypervisor = hypervisor;
        this.kernel = kernel;
        this.initramfs = initramfs;
    }

    public override string Kind => "esp";

    public override string Description => $"EFI system partition ({(grub is not null ? "GRUB" : "xen.efi")})";

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var tree = FileTree.CreateBuilder();
        if (grub is not null)
        {
            tree.AddFile($"{BootFolder}/BOOTX64.EFI", FileContent.FromFile(Path.Combine(context.OutputOf(grub), GrubPlatform.Efi.ImageName)));
        }
        else
        {
            string xenEfi = Path.Combine(context.OutputOf(hypervisor!), HypervisorStep.XenEfi);
            if (!File.Exists(xenEfi))
            {
                throw new Common.ImageBuilderException($"uefi_loader xen-efi needs xen.efi, but the hypervisor ({hypervisor!.Description}) provides none");
            }

            string cfg = TemplateRenderer.Render(Parameters.Template!, Parameters.XenCfg!, ConfigSyntax.XenEfi);
            tree.AddFile($"{BootFolder}/BOOTX64.EFI", FileContent.FromFile(xenEfi))
                .AddFile($"{BootFolder}/BOOTX64.cfg", FileContent.FromText(cfg))
                .AddFile($"{BootFolder}/vmlinuz", FileContent.FromFile(Path.Combine(context.OutputOf(kernel!), Dom0KernelStep.Vmlinuz)))
                .AddFile($"{BootFolder}/initrd.gz", FileContent.FromFile(Path.Combine(context.OutputOf(initramfs!), InitramfsStep.InitrdGz)));
            await File.WriteAllTextAsync(context.Output("xen.cfg"), cfg, cancellationToken).ConfigureAwait(false);
        }

        await using var output = File.Create(context.Output(EspImage));
        FatImage.Write(tree.ToTree(), new FatOptions(Parameters.Label, Parameters.Serial, Parameters.Epoch), output);
    }
}

/// <summary>The ESP: its FAT label, serial and time stamps, and for xen.efi its configuration as the template sees it and the template.</summary>
public sealed record EspParameters(string Label, uint Serial, long Epoch, XenCfgModel? XenCfg, HostInput? Template);
