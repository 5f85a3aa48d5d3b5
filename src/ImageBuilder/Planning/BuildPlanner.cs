using System.Collections.Immutable;
using System.Globalization;
using ImageBuilder.Boot;
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
    GuestsImageStep? GuestsImage,
    DebianPackagesStep? GuestLoader = null)
{
    public IEnumerable<Step> All => new Step?[] { Modules, Tools, Dom0Rootfs, Dom0Image, GuestLoader }.Concat(Guests.SelectMany(g => new[] { g.Packages, g.Image })).Append(GuestsImage).OfType<Step>();

    /// <summary>The package lists of the live system, by what they describe (the manifest's components).</summary>
    public IEnumerable<(string Component, Step Step, string File)> PackageLists =>
        Guests.Select(g => ($"guest-{g.Name}", g.Packages, g.PackagesFile))
            .Concat(GuestLoader is null ? [] : [("guest-loader", (Step)GuestLoader, DebianPackagesStep.ManifestFile)])
            .Prepend(("dom0", Dom0Rootfs, DebianRootfsStep.ManifestFile));
}

/// <summary>A guest's package step (shared with the Dom0 initramfs when it is the same set), its image step and the file it makes.</summary>
public sealed record GuestSteps(string Name, Step Packages, string PackagesFile, Step Image, string ImageFile);

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
        var archive = ArchiveSource.Of(recipe.Archive);
        long epoch = recipe.Epoch;
        var boot = new DebianPackagesStep("boot", PackageSetParameters.Of(archive, new[] { recipe.Hypervisor.Package, recipe.Dom0.Kernel.Package }.OfType<string>()));
        var initramfsPackages = new DebianPackagesStep("initramfs", PackageSetParameters.Of(archive, recipe.Dom0.Initramfs.Packages));
        var source = recipe.Hypervisor.Source is { } spec ? new SourceStep("xen", new SourceParameters(spec)) : null;
        Step hypervisor = source is not null
            ? new XenBuildStep(source, XenBuildParameters.For(source.Source, recipe.Hypervisor.Build!, epoch))
            : new HypervisorStep(boot, new HypervisorParameters(recipe.Hypervisor.Package!));
        var kernel = new Dom0KernelStep(boot, new Dom0KernelParameters(recipe.Dom0.Kernel.Package));
        var modules = recipe.Dom0.Initramfs.Modules.IsEmpty && recipe.Dom0.Rootfs is null ? null : new KernelModulesStep(boot, kernel);
        var initramfs = new InitramfsStep("initramfs", initramfsPackages, modules, new InitramfsParameters(Inputs(recipe.Dom0.Initramfs.Overlays), recipe.Dom0.Initramfs.Modules, epoch));
        var dom0Tools = recipe.Dom0.Tools is { } toolsSpec ? ToolsStepFor(recipe, archive, toolsSpec, source) : null;
        var live = recipe.Dom0.Rootfs is { } rootfs ? LiveStepsFor(recipe, archive, rootfs, kernel, modules!, initramfs, initramfsPackages, dom0Tools) : null;
        var bootConfig = new BootConfigStep(new BootConfigParameters(BootMenus.Grub(recipe), TemplateRenderer.Template(BootConfigStep.GrubTemplate, recipe.Templates)));

        // The medium's identity follows its content: a stick holding another build has another id.
        var content = Plan.Create(new Step?[] { hypervisor, kernel, initramfs, bootConfig, live?.Dom0Image, live?.GuestsImage }.OfType<Step>(), tools);
        var mediumId = Gpt.DeterministicGuid($"{recipe.Name}/{epoch}/{string.Join('/', content.Steps.Select(s => s.Key))}");

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

        var loader = loaderPackages.Count > 0 ? new DebianPackagesStep("loader", PackageSetParameters.Of(archive, loaderPackages)) : null;
        string id = mediumId.ToString("D");
        var earlyTemplate = TemplateRenderer.Template(GrubCoreStep.EarlyTemplate, recipe.Templates);
        var grubBios = recipe.Boot.Bios ? new GrubCoreStep(loader!, new GrubCoreParameters(GrubPlatform.Bios, id, earlyTemplate)) : null;
        var grubEfiStep = grubEfi ? new GrubCoreStep(loader!, new GrubCoreParameters(GrubPlatform.Efi, id, earlyTemplate)) : null;
        var esp = recipe.Boot.Uefi ? EspStepFor(recipe, grubEfiStep, hypervisor, kernel, initramfs, id) : null;
        return new BuildSteps(boot, initramfsPackages, loader, source, hypervisor, kernel, initramfs, live, bootConfig, grubBios, grubEfiStep, esp, mediumId);
    }

    private static ImmutableArray<HostInput> Inputs(IEnumerable<string> paths) => [.. paths.Select(p => new HostInput(p))];

    /// <summary>The recipe's peer group; its migration secret is made here at the first plan (a key needs its digest).</summary>
    private static PeerGroup PeerGroupOf(Recipe recipe)
    {
        string secret = MigrationSecret.PathFor(recipe.SourceFile, recipe.Name);
        MigrationSecret.Ensure(secret);
        return new PeerGroup(recipe.Name, recipe.Epoch, new HostInput(secret));
    }

    private static EspStep EspStepFor(Recipe recipe, GrubCoreStep? grub, Step hypervisor, Dom0KernelStep kernel, InitramfsStep initramfs, string mediumId)
    {
        const string label = "EFIBOOT";
        uint serial = BitConverter.ToUInt32(Gpt.DeterministicGuid($"{recipe.Name}/{recipe.Epoch}/esp").ToByteArray(), 0);
        return grub is not null
            ? new EspStep(grub, new EspParameters(label, serial, recipe.Epoch, null, null))
            : new EspStep(hypervisor, kernel, initramfs, new EspParameters(label, serial, recipe.Epoch, BootMenus.XenEfi(recipe, mediumId), TemplateRenderer.Template(EspStep.XenCfgTemplate, recipe.Templates)));
    }

    /// <summary>The tools build shares the hypervisor's source step when the recipe gives no source of its own.</summary>
    private static XenToolsStep ToolsStepFor(Recipe recipe, ArchiveSource archive, ToolsSpec tools, SourceStep? hypervisorSource)
    {
        var source = hypervisorSource is not null && ReferenceEquals(hypervisorSource.Source, tools.Source) ? hypervisorSource : new SourceStep("xen-tools", new SourceParameters(tools.Source));
        var buildRoot = new DebianRootfsStep("xen-tools-build", RootfsParameters.Of(archive, tools.BuildPackages, recipe.Epoch));
        return new XenToolsStep(source, buildRoot, new XenToolsParameters(tools.Options, recipe.Epoch));
    }

    private static LiveSteps LiveStepsFor(Recipe recipe, ArchiveSource archive, RootfsSpec rootfs, Dom0KernelStep kernel, KernelModulesStep modules, InitramfsStep liveInitramfs, DebianPackagesStep initramfsPackages, XenToolsStep? tools)
    {
        // SSH is installed only to be used with keys (an administrator's or the image's migration key); without keys
        // it is not installed by us (and masked if asked for). Peers find each other with avahi (mDNS/DNS-SD).
        // Disk guests need device-mapper's tool, HVM guests a device model and its firmware in the Dom0.
        var dom0Packages = rootfs.Packages.Concat(rootfs.AuthorizedKeys.IsEmpty && !rootfs.CrossHostMigration ? [] : ["openssh-server"])
            .Concat(rootfs.CrossHostMigration ? ["openssh-client", "avahi-daemon", "avahi-utils", "iputils-clockdiff"] : [])
            .Concat(DiskPackages(recipe.Guests)).Concat(DeviceModelPackages(recipe.Guests));
        var dom0Rootfs = new DebianRootfsStep("dom0", RootfsParameters.Of(archive, dom0Packages, recipe.Epoch), tools);
        var access = new LiveAccess(rootfs.Hostname, rootfs.Presenter, rootfs.AuthorizedKeys, rootfs.CrossHostMigration ? PeerGroupOf(recipe) : null);
        var dom0Image = new Dom0ImageStep(dom0Rootfs, modules, new Dom0ImageParameters(access, Inputs(rootfs.Overlays), recipe.Epoch), tools);
        if (recipe.Guests.IsEmpty)
        {
            return new LiveSteps(modules, tools, dom0Rootfs, dom0Image, [], null);
        }

        var guestLoader = recipe.Guests.OfType<HvmGuestSpec>().Any()
            ? new DebianPackagesStep("guest-loader", PackageSetParameters.Of(archive, ["grub-pc-bin", "grub-efi-amd64-bin"]))
            : null;
        var guests = ImmutableArray.CreateBuilder<GuestSteps>();
        foreach (var guest in recipe.Guests)
        {
            // Guest roots are named apart from the Dom0's and the build root's, whatever the guest is called.
            switch (guest)
            {
                case InitramfsGuestSpec:
                    var packageSet = PackageSetParameters.Of(archive, guest.Packages);
                    var packages = packageSet.Packages.SequenceEqual(initramfsPackages.Packages)
                        ? initramfsPackages
                        : new DebianPackagesStep($"guest-{guest.Name}", packageSet);
                    var initramfs = new InitramfsStep($"guest/{guest.Name}/initramfs", packages, null, new InitramfsParameters(Inputs(guest.Overlays), [], recipe.Epoch));
                    guests.Add(new GuestSteps(guest.Name, packages, DebianPackagesStep.ManifestFile, initramfs, InitramfsStep.InitrdGz));
                    break;
                case DiskGuestSpec disk:
                    var diskRoot = new DebianRootfsStep($"guest-{guest.Name}", RootfsParameters.Of(archive, guest.Packages, recipe.Epoch));
                    var ext4 = new GuestDiskParameters(guest.Name, disk.DiskMiB, rootfs.Presenter, Inputs(guest.Overlays), Gpt.DeterministicGuid($"{recipe.Name}/{recipe.Epoch}/guest/{guest.Name}/disk"), recipe.Epoch);
                    guests.Add(new GuestSteps(guest.Name, diskRoot, DebianRootfsStep.ManifestFile, new GuestDiskStep(diskRoot, ext4), GuestDiskStep.Image));
                    break;
                case HvmGuestSpec hvm:
                    var hvmRoot = new DebianRootfsStep($"guest-{guest.Name}", RootfsParameters.Of(archive, guest.Packages, recipe.Epoch));
                    var bootable = HvmDisk(recipe, hvm, rootfs.Presenter);
                    guests.Add(new GuestSteps(guest.Name, hvmRoot, DebianRootfsStep.ManifestFile, new HvmDiskStep(hvmRoot, kernel, liveInitramfs, guestLoader!, bootable), HvmDiskStep.Image));
                    break;
            }
        }

        var entries = recipe.Guests.Zip(guests).Select(x => new GuestLayerEntry(x.First.Name, x.Second.ImageFile, XlGuest(x.First, recipe)));
        var parameters = new GuestsImageParameters([.. entries], TemplateRenderer.Template(GuestsImageStep.Template, recipe.Templates), recipe.Epoch);
        var guestsImage = new GuestsImageStep(kernel, liveInitramfs, [.. guests.Select(g => g.Image)], parameters);
        return new LiveSteps(modules, tools, dom0Rootfs, dom0Image, guests.ToImmutable(), guestsImage, guestLoader);
    }

    /// <summary>What the Dom0 needs to give guests writable disks: dmsetup, for the copy-on-write snapshot of each disk image.</summary>
    public static IEnumerable<string> DiskPackages(IEnumerable<GuestSpec> guests) =>
        guests.Any(g => g is DiskGuestSpec or HvmGuestSpec) ? ["dmsetup"] : [];

    /// <summary>What the Dom0 needs to run the recipe's HVM guests: Debian's Xen device model and each firmware they boot.</summary>
    public static IEnumerable<string> DeviceModelPackages(IEnumerable<GuestSpec> guests)
    {
        var hvm = guests.OfType<HvmGuestSpec>().ToList();
        if (hvm.Count == 0)
        {
            return [];
        }

        return hvm.Select(g => g.Firmware == GuestFirmware.Ovmf ? "ovmf" : "seabios").Prepend("qemu-system-xen").Distinct(StringComparer.Ordinal);
    }

    private static HvmDiskParameters HvmDisk(Recipe recipe, HvmGuestSpec guest, bool presenter)
    {
        string seed = $"{recipe.Name}/{recipe.Epoch}/guest/{guest.Name}";
        var rootUuid = Gpt.DeterministicGuid($"{seed}/root");
        string[] words = [.. BootMenus.Words(guest.CommandLine), $"root=UUID={rootUuid:D}"];
        return new HvmDiskParameters(
            guest.Name,
            guest.DiskMiB,
            presenter,
            Inputs(guest.Overlays),
            new GuestMenuModel(guest.Name, words),
            TemplateRenderer.Template(HvmDiskStep.GrubTemplate, recipe.Templates),
            TemplateRenderer.Template(HvmDiskStep.EarlyTemplate, recipe.Templates),
            Gpt.DeterministicGuid($"{seed}/disk"),
            rootUuid,
            BitConverter.ToUInt32(Gpt.DeterministicGuid($"{seed}/esp").ToByteArray(), 0),
            recipe.Epoch);
    }

    /// <summary>A guest's xl configuration as the template sees it; its MAC is in Xen's OUI, derived from the recipe.</summary>
    public static XlGuestModel XlGuest(GuestSpec guest, Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(guest);
        ArgumentNullException.ThrowIfNull(recipe);
        byte[] id = Gpt.DeterministicGuid($"{recipe.Name}/{recipe.Epoch}/guest/{guest.Name}/mac").ToByteArray();
        string mac = string.Create(CultureInfo.InvariantCulture, $"00:16:3e:{id[0] & 0x7F:x2}:{id[1]:x2}:{id[2]:x2}");
        string log = $"{GuestsImageStep.ConsoleLogs}/guest-{guest.Name}.log";
        return guest switch
        {
            InitramfsGuestSpec => new XlGuestModel(guest.Name, guest.TypeName, guest.MemoryMiB, guest.Vcpus, guest.Autostart, guest.Bridge, mac)
            {
                Kernel = GuestsImageStep.SharedKernel,
                Ramdisk = "/" + GuestsImageStep.ImagePath(guest.Name, InitramfsStep.InitrdGz),
                CommandLine = guest.CommandLine,
            },
            DiskGuestSpec => new XlGuestModel(guest.Name, guest.TypeName, guest.MemoryMiB, guest.Vcpus, guest.Autostart, guest.Bridge, mac)
            {
                Kernel = GuestsImageStep.SharedKernel,
                Ramdisk = GuestsImageStep.SharedInitrd,
                CommandLine = $"{guest.CommandLine} root=/dev/xvda",
                Image = "/" + GuestsImageStep.ImagePath(guest.Name, GuestDiskStep.Image),
                Disk = GuestsImageStep.WritableDisk(guest.Name),
                DiskChanges = GuestsImageStep.DiskChanges(guest.Name),
                DiskDevice = "xvda",
            },
            HvmGuestSpec hvm => new XlGuestModel(guest.Name, guest.TypeName, guest.MemoryMiB, guest.Vcpus, guest.Autostart, guest.Bridge, mac)
            {
                Hvm = true,
                Firmware = hvm.Firmware.ToString().ToLowerInvariant(),
                ConsoleLog = log,
                Image = "/" + GuestsImageStep.ImagePath(guest.Name, HvmDiskStep.Image),
                Disk = GuestsImageStep.WritableDisk(guest.Name),
                DiskChanges = GuestsImageStep.DiskChanges(guest.Name),
                DiskDevice = "hda",
            },
            _ => throw new ArgumentException($"unknown kind of guest {guest.GetType().Name}", nameof(guest)),
        };
    }
}
