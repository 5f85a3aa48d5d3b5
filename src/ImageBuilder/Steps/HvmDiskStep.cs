using System.Collections.Immutable;
using ImageBuilder.Boot;
using ImageBuilder.Formats.Fat;
using ImageBuilder.Formats.Partitions;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// An HVM guest's disk, as an installer would have left it, made with our own writers: a GPT disk (protective MBR
/// holding GRUB's boot code) with GRUB's BIOS core in a BIOS boot partition, an EFI system partition (FAT) holding GRUB
/// for UEFI, grub.cfg, the kernel and an initramfs, and the Debian root on ext4. SeaBIOS or OVMF boot it like a PC's
/// disk: firmware, GRUB, kernel, root found by its UUID.
/// </summary>
public sealed class HvmDiskStep(DebianRootfsStep rootfs, Dom0KernelStep kernel, InitramfsStep initramfs, DebianPackagesStep loader, HvmDiskParameters parameters)
    : Step<HvmDiskParameters>($"guest/{parameters.Name}/disk", parameters, rootfs, kernel, initramfs, loader)
{
    public const string Image = "disk.img";
    public const string GrubTemplate = "grub/guest.cfg.sbn";
    public const string EarlyTemplate = "grub/guest-early.cfg.sbn";

    public override string Kind => "hvm-disk";

    public override string Description => $"bootable GPT disk for HVM guest {Parameters.Name} (GRUB for BIOS and UEFI, {Parameters.RootMiB} MiB root)";

    public override IEnumerable<string> Tools => ["mke2fs", "debugfs", "grub-mkimage"];

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var p = Parameters;
        var tree = GuestRoot.Compose(rootfs.RootIn(context), p.Overlays, p.Name, p.Presenter, $"UUID={p.RootUuid:D}");
        string root = context.Output("root.ext4");
        await Ext4Image.WriteAsync(tree, root, p.Name, p.RootUuid, p.RootMiB, p.Epoch, context.LogFile, cancellationToken).ConfigureAwait(false);

        // Both cores find the EFI system partition by its FAT serial and read boot/grub/grub.cfg there.
        string grub = loader.RootIn(context, GrubCoreStep.GrubLibrary);
        string early = context.Output("early.cfg");
        await File.WriteAllTextAsync(early, TemplateRenderer.Render(p.EarlyTemplate, new { bootUuid = p.BootVolumeUuid }, ConfigSyntax.Grub), cancellationToken).ConfigureAwait(false);
        string biosCore = context.Output("core.img");
        string efiCore = context.Output("BOOTX64.EFI");
        await GrubPlatform.BiosDisk.MakeCoreAsync(grub, GrubCoreStep.Prefix, early, biosCore, context.LogFile, cancellationToken).ConfigureAwait(false);
        await GrubPlatform.Efi.MakeCoreAsync(grub, GrubCoreStep.Prefix, early, efiCore, context.LogFile, cancellationToken).ConfigureAwait(false);

        string esp = context.Output("esp.img");
        var boot = FileTree.CreateBuilder()
            .AddFile("EFI/BOOT/BOOTX64.EFI", FileContent.FromFile(efiCore))
            .AddFile("boot/grub/grub.cfg", FileContent.FromText(TemplateRenderer.Render(p.GrubTemplate, p.Menu, ConfigSyntax.Grub)))
            .AddFile("boot/vmlinuz", FileContent.FromFile(Path.Combine(context.OutputOf(kernel), Dom0KernelStep.Vmlinuz)))
            .AddFile("boot/initrd.gz", FileContent.FromFile(Path.Combine(context.OutputOf(initramfs), InitramfsStep.InitrdGz)));
        await using (var output = File.Create(esp))
        {
            FatImage.Write(boot.ToTree(), new FatOptions(p.BootLabel, p.BootSerial, p.Epoch), output);
        }

        var layout = GptDiskLayout.Compute(p.DiskId,
        [
            new GptDiskPartition("BIOS boot", GptDiskPartition.BiosBoot, Gpt.DeterministicGuid($"{p.DiskId}/bios"), null, GptDiskLayout.Alignment),
            new GptDiskPartition("EFI system", GptPartition.EfiSystem, Gpt.DeterministicGuid($"{p.DiskId}/esp"), FileContent.FromFile(esp)),
            new GptDiskPartition(p.Name, GptDiskPartition.LinuxFileSystem, Gpt.DeterministicGuid($"{p.DiskId}/root"), FileContent.FromFile(root)),
        ]);
        long coreLba = layout.Partitions[0].Entry.FirstLba;
        byte[] core = GrubBiosDisk.Core(await File.ReadAllBytesAsync(biosCore, cancellationToken).ConfigureAwait(false), coreLba);
        if (core.Length > GptDiskLayout.Alignment)
        {
            throw new Common.ImageBuilderException($"GRUB's BIOS core is {core.Length} bytes, more than its {GptDiskLayout.Alignment}-byte partition");
        }

        byte[] bootCode = GrubBiosDisk.BootCode(await File.ReadAllBytesAsync(Path.Combine(grub, GrubPlatform.BiosDisk.ModulesFolder, "boot.img"), cancellationToken).ConfigureAwait(false), coreLba);
        var withCore = GptDiskLayout.Compute(p.DiskId, [layout.Partitions[0].Partition with { Content = FileContent.FromBytes(core) }, .. layout.Partitions.Skip(1).Select(x => x.Partition)]);
        await using (var output = File.Create(context.Output(Image)))
        {
            GptDiskWriter.Write(withCore, bootCode, output);
        }

        foreach (string intermediate in (string[])[root, esp, biosCore, efiCore, early])
        {
            File.Delete(intermediate);
        }
    }
}

/// <summary>
/// What an HVM guest's disk is made of besides the root, kernel, initramfs and GRUB packages it reads: the root's size,
/// console policy and overlays (by content), the boot menu as the template sees it, the templates, the disk's, the root's
/// and the EFI system partition's identities, and the epoch of every time stamp.
/// </summary>
public sealed record HvmDiskParameters(
    string Name,
    int RootMiB,
    bool Presenter,
    ImmutableArray<HostInput> Overlays,
    GuestMenuModel Menu,
    HostInput GrubTemplate,
    HostInput EarlyTemplate,
    Guid DiskId,
    Guid RootUuid,
    uint BootSerial,
    long Epoch)
{
    public string BootLabel { get; init; } = "GUESTBOOT";

    /// <summary>GRUB names a FAT volume by its serial, as xxxx-xxxx in lower-case hexadecimal.</summary>
    public string BootVolumeUuid => $"{BootSerial >> 16:x4}-{BootSerial & 0xFFFF:x4}";
}

#pragma warning disable CA1819 // Template models are plain data.
/// <summary>What templates/grub/guest.cfg.sbn sees: the guest's name and its kernel's words.</summary>
public sealed record GuestMenuModel(string Name, string[] KernelArguments);
#pragma warning restore CA1819
