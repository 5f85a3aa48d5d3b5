using System.Globalization;
using ImageBuilder.Formats.Iso9660;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;
using ImageBuilder.Recipes;
using ImageBuilder.Steps;

namespace ImageBuilder.Images;

/// <summary>Where each artifact goes on the medium, and the El Torito entries and hybrid disk that boot it.</summary>
public static class LiveImageLayout
{
    public const string BiosImagePath = "boot/grub/eltorito.img";
    public const string EspImagePath = "boot/efi.img";
    public const string LiveFolder = "live";

    public static FileTree Compose(Recipe recipe, BuildSteps steps, IReadOnlyDictionary<string, string> outputs)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(outputs);
        string Out(Step step, string file) => Path.Combine(outputs[step.Id], file);

        var builder = FileTree.CreateBuilder()
            .AddFile("boot/xen.gz", FileContent.FromFile(Out(steps.Hypervisor, HypervisorStep.XenGz)))
            .AddFile("boot/vmlinuz", FileContent.FromFile(Out(steps.Kernel, Dom0KernelStep.Vmlinuz)))
            .AddFile("boot/initrd.gz", FileContent.FromFile(Out(steps.Initramfs, InitramfsStep.InitrdGz)))
            .AddFile("boot/grub/grub.cfg", FileContent.FromFile(Out(steps.BootConfig, BootConfigStep.GrubCfg)))
            .AddFile($".disk/imagebuilder-{steps.MediumId:D}", FileContent.FromText($"{steps.MediumId:D}\n"))
            .AddFile(".disk/info", FileContent.FromText(string.Create(CultureInfo.InvariantCulture, $"{recipe.Name} {recipe.VolumeLabel} epoch={recipe.Epoch} id={steps.MediumId:D}\n")))
            .AddFile(MediumReadme.Path, FileContent.FromText(MediumReadme.Text(recipe, steps.MediumId)));
        foreach (var grub in new[] { steps.GrubBios, steps.GrubEfi }.OfType<GrubCoreStep>())
        {
            builder.AddTree(FileTree.FromDirectory(Out(grub, grub.Platform.ModulesFolder)), $"boot/grub/{grub.Platform.ModulesFolder}");
        }

        if (steps.GrubBios is { } bios)
        {
            builder.AddFile(BiosImagePath, FileContent.FromFile(Out(bios, GrubPlatform.Bios.ImageName)));
        }

        if (steps.Esp is { } esp)
        {
            builder.AddFile(EspImagePath, FileContent.FromFile(Out(esp, EspStep.EspImage)));
        }

        foreach (var (component, step, file) in steps.PackageLists)
        {
            builder.AddFile($".disk/packages-{component}.tsv", FileContent.FromFile(Out(step, file)));
        }

        if (steps.Live is { } live)
        {
            // The live initramfs stacks the layers listed here, first on top.
            var layers = new List<string>();
            if (live.GuestsImage is { } guests)
            {
                builder.AddFile($"{LiveFolder}/{GuestsImageStep.Image}", FileContent.FromFile(Out(guests, GuestsImageStep.Image)));
                layers.Add(GuestsImageStep.Image);
            }

            builder.AddFile($"{LiveFolder}/{Dom0ImageStep.Image}", FileContent.FromFile(Out(live.Dom0Image, Dom0ImageStep.Image)));
            layers.Add(Dom0ImageStep.Image);
            builder.AddFile($"boot/grub/{BootConfigStep.MediumCfg}", FileContent.FromText($"set {BootConfigStep.MediumVariable}={steps.MediumId:D}\n"));
            builder.AddFile($"{LiveFolder}/layers", FileContent.FromText(string.Concat(layers.Select(l => l + "\n"))));
        }

        return builder.ToTree();
    }

    public static IsoOptions Options(Recipe recipe, BuildSteps steps, IReadOnlyDictionary<string, string> outputs)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(outputs);
        var images = new List<ElToritoImage>();
        byte[] mbr = EmptyMbr();
        if (steps.GrubBios is { } bios)
        {
            images.Add(new ElToritoImage(BiosImagePath, ElToritoPlatform.X86, LoadSectors: 4, PatchBootInfoTable: true) { PatchGrubBootInfo = true });
            mbr = File.ReadAllBytes(Path.Combine(outputs[bios.Id], "boot_hybrid.img"));
        }

        if (steps.Esp is not null)
        {
            images.Add(new ElToritoImage(EspImagePath, ElToritoPlatform.Efi, LoadSectors: null));
        }

        return new IsoOptions
        {
            VolumeId = recipe.VolumeLabel,
            Epoch = recipe.Epoch,
            // What a disc burner or `isoinfo -d` shows first; the medium's README.txt says more.
            ApplicationId = "IMAGEBUILDER " + recipe.Name.ToUpperInvariant() + (recipe.Boot.Uefi ? " - SECURE BOOT MUST BE OFF, SEE README.TXT" : string.Empty),
            BootImages = [.. images],
            Hybrid = new HybridDisk(mbr, steps.GrubBios is null ? null : BiosImagePath, steps.Esp is null ? null : EspImagePath, steps.MediumId),
        };
    }

    /// <summary>A UEFI-only image still gets a partition table; its MBR carries no boot code.</summary>
    private static byte[] EmptyMbr()
    {
        var mbr = new byte[512];
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        return mbr;
    }
}
