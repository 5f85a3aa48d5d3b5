using System.Collections.Immutable;
using ImageBuilder.Formats.Partitions;
using ImageBuilder.Recipes;
using ImageBuilder.Steps;

namespace ImageBuilder.Planning;

/// <summary>The steps a recipe needs, wired by their inputs. Loader steps exist only for the firmware the recipe names.</summary>
public sealed record BuildSteps(
    DebianPackagesStep BootPackages,
    DebianPackagesStep InitramfsPackages,
    DebianPackagesStep? LoaderPackages,
    SourceStep? HypervisorSource,
    Step Hypervisor,
    Dom0KernelStep Kernel,
    InitramfsStep Initramfs,
    BootConfigStep BootConfig,
    GrubCoreStep? GrubBios,
    GrubCoreStep? GrubEfi,
    EspStep? Esp,
    Guid MediumId)
{
    public IEnumerable<Step> All =>
        new Step?[] { BootPackages, InitramfsPackages, LoaderPackages, HypervisorSource, Hypervisor, Kernel, Initramfs, BootConfig, GrubBios, GrubEfi, Esp }.OfType<Step>();

    public IEnumerable<DebianPackagesStep> PackageSets => new[] { BootPackages, InitramfsPackages, LoaderPackages }.OfType<DebianPackagesStep>();

    public static BuildSteps For(Recipe recipe, ToolVersions tools)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var boot = new DebianPackagesStep("boot", recipe.Archive, [.. new[] { recipe.Hypervisor.Package, recipe.Dom0.Kernel.Package }.OfType<string>()]);
        var initramfsPackages = new DebianPackagesStep("initramfs", recipe.Archive, recipe.Dom0.Initramfs.Packages);
        var source = recipe.Hypervisor.Source is { } spec ? new SourceStep("xen", spec) : null;
        Step hypervisor = source is not null
            ? new XenBuildStep(source, recipe.Hypervisor.Build!)
            : new HypervisorStep(boot, recipe.Hypervisor.Package!);
        var kernel = new Dom0KernelStep(boot, recipe.Dom0.Kernel.Package);
        var initramfs = new InitramfsStep(initramfsPackages, recipe.Dom0.Initramfs.Overlays);
        var bootConfig = new BootConfigStep(recipe);

        // The medium's identity follows its content: a stick holding another build has another id.
        var content = Plan.Create([hypervisor, kernel, initramfs, bootConfig], tools);
        var mediumId = Gpt.DeterministicGuid($"{recipe.Name}/{recipe.Epoch}/{string.Join('/', content.Steps.Select(s => s.Key))}");

        bool grubEfi = recipe.Boot.Uefi && recipe.Boot.UefiLoader == UefiLoader.Grub;
        var loaderPackages = ImmutableArray.CreateBuilder<string>();
        if (recipe.Boot.Bios)
        {
            loaderPackages.Add("grub-pc-bin");
        }

        if (grubEfi)
        {
            loaderPackages.Add("grub-efi-amd64-bin");
        }

        var loader = loaderPackages.Count > 0 ? new DebianPackagesStep("loader", recipe.Archive, loaderPackages.ToImmutable()) : null;
        string id = mediumId.ToString("D");
        var grubBios = recipe.Boot.Bios ? new GrubCoreStep(loader!, GrubPlatform.Bios, id) : null;
        var grubEfiStep = grubEfi ? new GrubCoreStep(loader!, GrubPlatform.Efi, id) : null;
        var esp = recipe.Boot.Uefi ? new EspStep(recipe, grubEfiStep, hypervisor, kernel, initramfs) : null;
        return new BuildSteps(boot, initramfsPackages, loader, source, hypervisor, kernel, initramfs, bootConfig, grubBios, grubEfiStep, esp, mediumId);
    }
}
