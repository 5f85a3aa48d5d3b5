using System.Globalization;
using ImageBuilder.Formats.Iso9660;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;
using ImageBuilder.Recipes;
using ImageBuilder.Steps;

namespace ImageBuilder.Images;

/// <summary>Where each artifact goes on the medium, and the El Torito entries that boot it.</summary>
public static class LiveImageLayout
{
    public const string EltoritoPath = "boot/grub/eltorito.img";

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
            .AddFile(EltoritoPath, FileContent.FromFile(Out(steps.GrubBios, GrubBiosStep.EltoritoImage)))
            .AddTree(FileTree.FromDirectory(Out(steps.GrubBios, GrubBiosStep.ModulesFolder)), "boot/grub/i386-pc")
            .AddFile(".disk/info", FileContent.FromText(string.Create(CultureInfo.InvariantCulture, $"{recipe.Name} {recipe.VolumeLabel} epoch={recipe.Epoch}\n")));
        foreach (var (step, manifest) in new[] { (steps.BootPackages, "boot"), (steps.InitramfsPackages, "initramfs"), (steps.LoaderPackages, "loader") })
        {
            builder.AddFile($".disk/packages-{manifest}.tsv", FileContent.FromFile(Out(step, DebianPackagesStep.ManifestFile)));
        }

        return builder.ToTree();
    }

    public static IsoOptions Options(Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return new IsoOptions
        {
            VolumeId = recipe.VolumeLabel,
            Epoch = recipe.Epoch,
            ApplicationId = "IMAGEBUILDER " + recipe.Name.ToUpperInvariant(),
            BootImages = [new ElToritoImage(EltoritoPath, ElToritoPlatform.X86, LoadSectors: 4, PatchBootInfoTable: true)],
        };
    }
}
