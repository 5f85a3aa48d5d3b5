using ImageBuilder.Recipes;
using ImageBuilder.Steps;

namespace ImageBuilder.Planning;

/// <summary>The steps a recipe needs, wired by their inputs.</summary>
public sealed record BuildSteps(
    DebianPackagesStep BootPackages,
    DebianPackagesStep InitramfsPackages,
    DebianPackagesStep LoaderPackages,
    HypervisorStep Hypervisor,
    Dom0KernelStep Kernel,
    InitramfsStep Initramfs,
    GrubBiosStep GrubBios,
    BootConfigStep BootConfig)
{
    public IEnumerable<Step> All => [BootPackages, InitramfsPackages, LoaderPackages, Hypervisor, Kernel, Initramfs, GrubBios, BootConfig];

    public static BuildSteps For(Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var boot = new DebianPackagesStep("boot", recipe.Archive, [recipe.Hypervisor.Package, recipe.Dom0.Kernel.Package]);
        var initramfs = new DebianPackagesStep("initramfs", recipe.Archive, recipe.Dom0.Initramfs.Packages);
        var loader = new DebianPackagesStep("loader", recipe.Archive, ["grub-pc-bin"]);
        return new BuildSteps(
            boot,
            initramfs,
            loader,
            new HypervisorStep(boot, recipe.Hypervisor.Package),
            new Dom0KernelStep(boot, recipe.Dom0.Kernel.Package),
            new InitramfsStep(initramfs, recipe.Dom0.Initramfs.Overlays),
            new GrubBiosStep(loader),
            new BootConfigStep(recipe));
    }
}
