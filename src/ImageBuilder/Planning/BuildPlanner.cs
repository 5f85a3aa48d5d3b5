using System.Collections.Immutable;
using ImageBuilder.Formats.Partitions;
using ImageBuilder.Recipes;
using ImageBuilder.Steps;

namespace ImageBuilder.Planning;

/// <summary>The live system's steps: the Dom0 root on squashfs and, when the recipe has guests, their images.</summary>
public sealed record LiveSteps(
    KernelModulesStep Modules,
    XenToolsStep? Tools,
    DebianRootfsStep Dom0Rootfs,
    Dom0ImageStep Dom0Image,
    ImmutableArray<GuestSteps> Guests,
    GuestsImageStep? GuestsImage)
{
    public IEnumerable<Step> All => new Step?[] { Modules, Tools, Dom0Rootfs, Dom0Image }.Concat(Guests.SelectMany(g => new[] { g.Packages, g.Image })).Append(GuestsImage).OfType<Step>();

    /// <summary>The package lists of the live system, by what they describe (the manifest's components).</summary>
    public IEnumerable<(string Component, Step Step, string File)> PackageLists =>
        Guests.Select(g => ($"guest-{g.Name}", g.Packages, g.PackagesFile)).Prepend(("dom0", Dom0Rootfs, DebianRootfsStep.ManifestFile));
}

/// <summary>A guest's package step (shared with the Dom0 initramfs when it is the same set) and its image step.</summary>
public sealed record GuestSteps(string Name, Step Packages, string PackagesFile, Step Image);

/// <summary>The steps a recipe needs, wired by their inputs. Loader steps exist only for the firmware the recipe names.</summary>
public sealed record BuildSteps(
    DebianPackagesStep BootPackages,
    DebianPackagesStep InitramfsPackages,
    DebianPackagesStep? LoaderPackages,
    SourceStep? HypervisorSource,
    Step Hypervisor,
    Dom0KernelStep Kernel,
    InitramfsStep Initramfs,
    LiveSteps? Live,
    BootConfigStep BootConfig,
    GrubCoreStep? GrubBios,
    GrubCoreStep? GrubEfi,
    EspStep? Esp,
    Guid MediumId)
{
    public IEnumerable<Step> All =>
        new Step?[] { BootPackages, InitramfsPackages, LoaderPackages, HypervisorSource, Hypervisor, Kernel, Initramfs }
            .Concat(Live?.All ?? [])
            .Concat([BootConfig, GrubBios, GrubEfi, Esp])
            .OfType<Step>();

    public IEnumerable<DebianPackagesStep> PackageSets => new[] { BootPackages, InitramfsPackages, LoaderPackages }.OfType<DebianPackagesStep>();

    /// <summary>Every package list in the image by component (boot, initramfs, loader, dom0, guest-NAME): the manifest's and .disk/'s.</summary>
    public IEnumerable<(string Component, Step Step, string File)> PackageLists =>
        PackageSets.Select(s => (s.Id["packages/".Length..], (Step)s, DebianPackagesStep.ManifestFile)).Concat(Live?.PackageLists ?? []);

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
        var modules = recipe.Dom0.Initramfs.Modules.IsEmpty && recipe.Dom0.Rootfs is null ? null : new KernelModulesStep(boot, kernel);
        var initramfs = new InitramfsStep("initramfs", initramfsPackages, recipe.Dom0.Initramfs.Overlays, modules, recipe.Dom0.Initramfs.Modules);
        var dom0Tools = recipe.Dom0.Tools is { } toolsSpec ? ToolsStepFor(recipe, toolsSpec, source) : null;
        var live = recipe.Dom0.Rootfs is { } rootfs ? LiveStepsFor(recipe, rootfs, kernel, modules!, initramfs, initramfsPackages, dom0Tools) : null;
        var bootConfig = new BootConfigStep(recipe);

        // The medium's identity follows its content: a stick holding another build has another id.
        var content = Plan.Create(new Step?[] { hypervisor, kernel, initramfs, bootConfig, live?.Dom0Image, live?.GuestsImage }.OfType<Step>(), tools);
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
        var esp = recipe.Boot.Uefi ? new EspStep(recipe, grubEfiStep, hypervisor, kernel, initramfs, id) : null;
        return new BuildSteps(boot, initramfsPackages, loader, source, hypervisor, kernel, initramfs, live, bootConfig, grubBios, grubEfiStep, esp, mediumId);
    }

    /// <summary>The tools build shares the hypervisor's source step when the recipe gives no source of its own.</summary>
    private static XenToolsStep ToolsStepFor(Recipe recipe, ToolsSpec tools, SourceStep? hypervisorSource)
    {
        var source = hypervisorSource is not null && ReferenceEquals(hypervisorSource.Source, tools.Source) ? hypervisorSource : new SourceStep("xen-tools", tools.Source);
        var buildRoot = new DebianRootfsStep("xen-tools-build", recipe.Archive, tools.BuildPackages);
        return new XenToolsStep(source, buildRoot, tools.Options);
    }

    private static LiveSteps LiveStepsFor(Recipe recipe, RootfsSpec rootfs, Dom0KernelStep kernel, KernelModulesStep modules, InitramfsStep liveInitramfs, DebianPackagesStep initramfsPackages, XenToolsStep? tools)
    {
        // SSH is installed only to be used with keys; without keys it is not installed by us (and masked if asked for).
        var dom0Packages = rootfs.AuthorizedKeys.IsEmpty ? rootfs.Packages : rootfs.Packages.Add("openssh-server");
        var dom0Rootfs = new DebianRootfsStep("dom0", recipe.Archive, [.. dom0Packages.Distinct()], tools);
        var dom0Image = new Dom0ImageStep(dom0Rootfs, modules, rootfs, tools);
        if (recipe.Guests.IsEmpty)
        {
            return new LiveSteps(modules, tools, dom0Rootfs, dom0Image, [], null);
        }

        var guests = ImmutableArray.CreateBuilder<GuestSteps>();
        foreach (var guest in recipe.Guests)
        {
            if (guest.Disk is null)
            {
                var packages = guest.Packages.SequenceEqual(initramfsPackages.Packages)
                    ? initramfsPackages
                    : new DebianPackagesStep($"guest-{guest.Name}", recipe.Archive, guest.Packages);
                var image = new InitramfsStep($"guest/{guest.Name}/initramfs", packages, guest.Overlays, null, []);
                guests.Add(new GuestSteps(guest.Name, packages, DebianPackagesStep.ManifestFile, image));
            }
            else
            {
                var guestRoot = new DebianRootfsStep(guest.Name, recipe.Archive, guest.Packages);
                guests.Add(new GuestSteps(guest.Name, guestRoot, DebianRootfsStep.ManifestFile, new GuestDiskStep(recipe, guest, guestRoot)));
            }
        }

        var guestsImage = new GuestsImageStep(recipe, kernel, liveInitramfs, guests.ToDictionary(g => g.Name, g => g.Image, StringComparer.Ordinal));
        return new LiveSteps(modules, tools, dom0Rootfs, dom0Image, guests.ToImmutable(), guestsImage);
    }
}
