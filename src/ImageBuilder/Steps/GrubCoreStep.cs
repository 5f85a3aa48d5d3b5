using Hv.Kernel.Inspection;
using ImageBuilder.Boot;
using ImageBuilder.Common.Processes;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>What differs between GRUB's BIOS and UEFI core images.</summary>
public sealed record GrubPlatform(string Name, string Format, string ModulesFolder, string ImageName, string[] CoreModules, string[] ExtraFiles)
{
    private static readonly string[] Common =
    [
        "part_msdos", "part_gpt", "iso9660", "fat", "normal", "configfile", "echo", "test", "serial", "terminal",
        "multiboot2", "linux", "gzio", "search", "search_fs_file", "search_fs_uuid", "search_label", "ls", "cat",
        "halt", "reboot", "sleep",
    ];

    /// <summary>El Torito core (cdboot.img + diskboot + core): boots from CD, and via boot_hybrid.img from disk.</summary>
    public static readonly GrubPlatform Bios = new("bios", "i386-pc-eltorito", "i386-pc", "eltorito.img", ["biosdisk", .. Common], ["boot_hybrid.img"]);

    /// <summary>The EFI application firmware starts as EFI/BOOT/BOOTX64.EFI.</summary>
    public static readonly GrubPlatform Efi = new("efi", "x86_64-efi", "x86_64-efi", "BOOTX64.EFI", ["efi_gop", "efi_uga", .. Common], []);

    /// <summary>A hard disk's core (diskboot + core) for a BIOS boot partition, loaded by boot.img in the MBR.</summary>
    public static readonly GrubPlatform BiosDisk = new("bios-disk", "i386-pc", "i386-pc", "core.img", ["biosdisk", .. Common], ["boot.img"]);

    /// <summary>grub-mkimage from the archive's modules: a core for this platform with <paramref name="earlyConfig"/> built in.</summary>
    public async Task MakeCoreAsync(string grubLibrary, string prefix, string earlyConfig, string output, string logFile, CancellationToken cancellationToken)
    {
        var spec = ProcessSpec.Of("grub-mkimage", "-O", Format, "-d", Path.Combine(grubLibrary, ModulesFolder), "-p", prefix, "-c", earlyConfig, "-o", output)
            .WithArguments(CoreModules)
            .LoggingTo(logFile);
        await ProcessRunner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
        if (Format == Efi.Format)
        {
            PeImage.ReadFile(output).RequireX64EfiApplication(ImageName);
        }
    }
}

/// <summary>
/// A GRUB core image built with grub-mkimage from the archive's GRUB modules, with an early config that finds
/// this medium by its unique marker and loads /boot/grub/grub.cfg; plus the module folder for insmod.
/// </summary>
public sealed class GrubCoreStep(DebianPackagesStep packages, GrubCoreParameters parameters) : Step<GrubCoreParameters>($"grub-{parameters.Platform.Name}", parameters, packages)
{
    public const string Prefix = "/boot/grub";
    public const string EarlyTemplate = "grub/early.cfg.sbn";

    /// <summary>Where the archive's grub-pc-bin and grub-efi-amd64-bin put their modules and images.</summary>
    public const string GrubLibrary = "usr/lib/grub";

    public GrubPlatform Platform => Parameters.Platform;

    public override string Kind => "grub-core";

    public override string Description => $"GRUB {Platform.Format} core image";

    public override IEnumerable<string> Tools => ["grub-mkimage"];

    public override int Revision => 2;

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var platform = Platform;
        string modules = packages.RootIn(context, GrubLibrary, platform.ModulesFolder);
        string early = context.Output("early.cfg");
        await File.WriteAllTextAsync(early, TemplateRenderer.Render(Parameters.Template, new { mediumId = Parameters.MediumId }, ConfigSyntax.Grub), cancellationToken).ConfigureAwait(false);
        await platform.MakeCoreAsync(packages.RootIn(context, GrubLibrary), Parameters.Prefix, early, context.Output(platform.ImageName), context.LogFile, cancellationToken).ConfigureAwait(false);

        string target = context.Output(platform.ModulesFolder);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.EnumerateFiles(modules).Where(f => f.EndsWith(".mod", StringComparison.Ordinal) || f.EndsWith(".lst", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        foreach (string extra in platform.ExtraFiles)
        {
            File.Copy(Path.Combine(modules, extra), context.Output(extra));
        }
    }
}

/// <summary>A GRUB core: the platform (format, built-in modules), the prefix, the medium it searches for and the early configuration's template.</summary>
public sealed record GrubCoreParameters(GrubPlatform Platform, string MediumId, HostInput Template)
{
    public string Prefix { get; init; } = GrubCoreStep.Prefix;
}
