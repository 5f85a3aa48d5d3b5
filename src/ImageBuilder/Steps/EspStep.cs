using ImageBuilder.Boot;
using ImageBuilder.Formats.Fat;
using ImageBuilder.Formats.Partitions;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;
using ImageBuilder.Recipes;

namespace ImageBuilder.Steps;

/// <summary>
/// The EFI system partition image (FAT): EFI/BOOT/BOOTX64.EFI is either GRUB, or xen.efi with BOOTX64.cfg,
/// the Dom0 kernel and the initramfs beside it (xen.efi loads them from its own folder).
/// </summary>
public sealed class EspStep : Step
{
    public const string EspImage = "efi.img";
    public const string XenCfgTemplate = "xen/xen.cfg.hbs";
    private const string BootFolder = "EFI/BOOT";

    private readonly Recipe recipe;
    private readonly GrubCoreStep? grub;
    private readonly Step hypervisor;
    private readonly Dom0KernelStep kernel;
    private readonly InitramfsStep initramfs;
    private readonly string mediumId;

    public EspStep(Recipe recipe, GrubCoreStep? grub, Step hypervisor, Dom0KernelStep kernel, InitramfsStep initramfs, string mediumId)
        : base("esp", recipe.Boot.UefiLoader == UefiLoader.Grub ? [grub!] : [hypervisor, kernel, initramfs])
    {
        this.recipe = recipe;
        this.grub = grub;
        this.hypervisor = hypervisor;
        this.kernel = kernel;
        this.initramfs = initramfs;
        this.mediumId = mediumId;
    }

    public override string Kind => "esp";

    public override string Description => $"EFI system partition ({(recipe.Boot.UefiLoader == UefiLoader.Grub ? "GRUB" : "xen.efi")})";

    public override object Parameters => new { loader = recipe.Boot.UefiLoader.ToString(), xenCfg = recipe.Boot.UefiLoader == UefiLoader.XenEfi ? XenCfgModel() : null, label = Label, serial = Serial };

    public override IEnumerable<(string Name, string HostPath)> InputPaths =>
        recipe.Boot.UefiLoader == UefiLoader.XenEfi ? [("xen.cfg.hbs", TemplateRenderer.PathOf(XenCfgTemplate))] : [];

    private static string Label => "EFIBOOT";

    private uint Serial => BitConverter.ToUInt32(Gpt.DeterministicGuid($"{recipe.Name}/{recipe.Epoch}/esp").ToByteArray(), 0);

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var tree = FileTree.CreateBuilder();
        if (recipe.Boot.UefiLoader == UefiLoader.Grub)
        {
            tree.AddFile($"{BootFolder}/BOOTX64.EFI", FileContent.FromFile(Path.Combine(context.OutputOf(grub!), GrubPlatform.Efi.ImageName)));
        }
        else
        {
            string xenEfi = Path.Combine(context.OutputOf(hypervisor), HypervisorStep.XenEfi);
            if (!File.Exists(xenEfi))
            {
                throw new Common.ImageBuilderException($"uefi_loader xen-efi needs xen.efi, but {recipe.Hypervisor.Describe} provides none");
            }

            string cfg = TemplateRenderer.Render(TemplateRenderer.PathOf(XenCfgTemplate), XenCfgModel());
            tree.AddFile($"{BootFolder}/BOOTX64.EFI", FileContent.FromFile(xenEfi))
                .AddFile($"{BootFolder}/BOOTX64.cfg", FileContent.FromText(cfg))
                .AddFile($"{BootFolder}/vmlinuz", FileContent.FromFile(Path.Combine(context.OutputOf(kernel), Dom0KernelStep.Vmlinuz)))
                .AddFile($"{BootFolder}/initrd.gz", FileContent.FromFile(Path.Combine(context.OutputOf(initramfs), InitramfsStep.InitrdGz)));
            await File.WriteAllTextAsync(context.Output("xen.cfg"), cfg, cancellationToken).ConfigureAwait(false);
        }

        await using var output = File.Create(context.Output(EspImage));
        FatImage.Write(tree.ToTree(), new FatOptions(Label, Serial, recipe.Epoch), output);
    }

    private XenCfgModel XenCfgModel()
    {
        var xenEntries = recipe.Boot.Entries.Select((e, i) => (e, i)).Where(x => x.e.Type == BootEntryType.Xen).ToList();
        var sections = xenEntries.Select(x => new XenCfgSection(
            $"entry{x.i}",
            x.e.Title,
            recipe.Hypervisor.CommandLine.Merge(x.e.XenOptions).Render(),
            BootConfigStep.KernelCommandLine(recipe, x.e, mediumId))).ToArray();
        int defaultIndex = xenEntries.Any(x => x.i == recipe.Boot.Default) ? recipe.Boot.Default : xenEntries[0].i;
        return new XenCfgModel(recipe.Name, $"entry{defaultIndex}", sections);
    }
}

#pragma warning disable CA1819 // Template models are plain data.
public sealed record XenCfgModel(string Name, string DefaultSection, XenCfgSection[] Sections);
#pragma warning restore CA1819

public sealed record XenCfgSection(string Section, string Title, string XenCommandLine, string KernelCommandLine);
