using ImageBuilder.Common.Processes;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// GRUB for BIOS CD boot: a core image in i386-pc-eltorito format (cdboot.img + core) with the modules it needs
/// built in, plus the module directory so grub.cfg can load more. Modules come from the archive's grub-pc-bin.
/// </summary>
public sealed class GrubBiosStep(DebianPackagesStep packages) : Step("grub-bios", packages)
{
    public const string EltoritoImage = "eltorito.img";
    public const string ModulesFolder = "i386-pc";
    public const string Prefix = "/boot/grub";

    /// <summary>Enough to read the CD, show the menu on serial and VGA, and boot Xen (multiboot2) or Linux.</summary>
    public static readonly string[] CoreModules =
    [
        "biosdisk", "iso9660", "part_msdos", "part_gpt", "normal", "configfile", "echo", "test", "serial",
        "terminal", "multiboot2", "linux", "gzio", "search", "search_fs_file", "search_fs_uuid", "search_label",
        "ls", "cat", "halt", "reboot", "sleep",
    ];

    public override string Kind => "grub-bios";

    public override string Description => "GRUB El Torito core image for BIOS";

    public override object Parameters => new { format = "i386-pc-eltorito", prefix = Prefix, modules = CoreModules };

    public override IEnumerable<string> Tools => ["grub-mkimage"];

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string modules = Path.Combine(context.OutputOf(packages), DebianPackagesStep.RootFolder, "usr/lib/grub/i386-pc");
        var spec = ProcessSpec.Of("grub-mkimage", "-O", "i386-pc-eltorito", "-d", modules, "-p", Prefix, "-o", context.Output(EltoritoImage))
            .WithArguments(CoreModules)
            .LoggingTo(context.LogFile);
        await ProcessRunner.RunAsync(spec, cancellationToken).ConfigureAwait(false);

        string target = context.Output(ModulesFolder);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.EnumerateFiles(modules).Where(f => f.EndsWith(".mod", StringComparison.Ordinal) || f.EndsWith(".lst", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
    }
}
