using System.Collections.Immutable;
using Hv.Kernel.Inspection;
using ImageBuilder.Boot;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// Everything the Dom0 needs to run the recipe's guests, as a squashfs layered over the Dom0 root: the kernel (the
/// Dom0's, which runs PV, PVH and HVM, as an ELF file), each guest's initramfs or disk, xl configurations rendered from
/// templates/xl/guest.cfg.sbn, and the list the autostart service reads.
/// </summary>
public sealed class GuestsImageStep : Step<GuestsImageParameters>
{
    public const string Image = "guests.squashfs";
    public const string Template = "xl/guest.cfg.sbn";
    public const string ConfigFolder = "etc/xen/imagebuilder";
    public const string GuestList = "etc/imagebuilder/guests.tsv";

    /// <summary>The kernel every guest boots, and the live initramfs that mounts a disk guest's root.</summary>
    public const string KernelFolder = "usr/lib/imagebuilder/kernel";

    /// <summary>
    /// The Dom0's kernel, which every PV and PVH guest runs, as the Dom0 sees it: the ELF file its bzImage carries,
    /// decompressed here once. Given the bzImage, xl decompresses its xz payload at every domain creation: under
    /// emulation that made `xl create` of the tiny guest take 7.2 s (4.5 s of it in xl) against 1.4 s from the ELF
    /// file (measured in the demo's Dom0), and the guests are created side by side.
    /// </summary>
    public const string SharedKernel = "/" + KernelFolder + "/vmlinux";

    /// <summary>The live initramfs, which mounts a disk guest's root, as the Dom0 sees it; in the layer only if a guest uses it.</summary>
    public const string SharedInitrd = "/" + KernelFolder + "/" + InitramfsStep.InitrdGz;

    /// <summary>One folder per guest, holding its initramfs or its disk image.</summary>
    public const string GuestFolder = "usr/lib/imagebuilder/guests";

    /// <summary>Where the Dom0 keeps what disk guests changed on their disks (tmpfs, or the medium's persistence later).</summary>
    public const string DiskChangesFolder = "/var/lib/imagebuilder/guests";

    /// <summary>xenconsoled's guest logs (guest-NAME.log); HVM guests' device models log there too.</summary>
    public const string ConsoleLogs = "/var/log/xen/console";

    private readonly Dom0KernelStep kernel;
    private readonly InitramfsStep liveInitramfs;
    private readonly ImmutableArray<Step> images;

    /// <param name="images">Per guest of <paramref name="parameters"/>, in its order: its <see cref="InitramfsStep"/> or <see cref="GuestDiskStep"/>.</param>
    public GuestsImageStep(Dom0KernelStep kernel, InitramfsStep liveInitramfs, ImmutableArray<Step> images, GuestsImageParameters parameters)
        : base("guests-image", parameters, [kernel, liveInitramfs, .. images])
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (images.Length != parameters.Guests.Length)
        {
            throw new ArgumentException("one image step per guest", nameof(images));
        }

        this.kernel = kernel;
        this.liveInitramfs = liveInitramfs;
        this.images = images;
    }

    public override string Kind => "guests-image";

    public override string Description => $"guest images and xl configs ({string.Join(", ", Parameters.Guests.Select(g => g.Name))})";

    /// <summary>gensquashfs; the kernel's payload is decompressed in process (BzImage.Vmlinux).</summary>
    public override IEnumerable<string> Tools => ["gensquashfs"];

    public override int Cores => SquashfsImage.Jobs;

    public override int Revision => 2;

    /// <summary>
    /// The disk a guest runs on: a device-mapper snapshot the Dom0 makes at its first start, reading the image on the
    /// medium and keeping the guest's writes in <see cref="DiskChanges"/> (no copy of the image: under emulation,
    /// copying a 512 MiB image out of the squashfs took 40 s of the boot).
    /// </summary>
    public static string WritableDisk(string guest) => $"/dev/mapper/imagebuilder-{guest}";

    /// <summary>The snapshot's copy-on-write store: a sparse file as large as the image, in the Dom0's RAM.</summary>
    public static string DiskChanges(string guest) => $"{DiskChangesFolder}/{guest}.cow";

    /// <summary>Where a guest's initramfs or disk image lies in the Dom0.</summary>
    public static string ImagePath(string guest, string file) => $"{GuestFolder}/{guest}/{file}";

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var builder = FileTree.CreateBuilder()
            .AddFile(SharedKernel[1..], FileContent.FromBytes(BzImage.Vmlinux(Path.Combine(context.OutputOf(kernel), Dom0KernelStep.Vmlinuz))));
        if (Parameters.Guests.Any(g => g.Config.Ramdisk == SharedInitrd))
        {
            builder.AddFile(SharedInitrd[1..], FileContent.FromFile(Path.Combine(context.OutputOf(liveInitramfs), InitramfsStep.InitrdGz)));
        }
        foreach (var (guest, image) in Parameters.Guests.Zip(images))
        {
            builder.AddFile(ImagePath(guest.Name, guest.ImageFile), FileContent.FromFile(Path.Combine(context.OutputOf(image), guest.ImageFile)));
            string config = TemplateRenderer.Render(Parameters.Template, guest.Config, ConfigSyntax.Xl);
            builder.AddFile($"{ConfigFolder}/{guest.Name}.cfg", FileContent.FromText(config));
        }

        builder.AddFile(GuestList, FileContent.FromText(Parameters.GuestList));
        await SquashfsImage.WriteAsync(builder.ToTree(), context.Output(Image), Parameters.Epoch, context, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>One guest in the guests layer: its image (the file its image step makes) and its xl configuration.</summary>
public sealed record GuestLayerEntry(string Name, string ImageFile, XlGuestModel Config);

/// <summary>
/// What the guests layer is made of besides the images: each guest's image file and xl configuration as the template
/// sees it, the template, the compression and the epoch. The list the Dom0's guest service reads follows from them.
/// </summary>
public sealed record GuestsImageParameters(ImmutableArray<GuestLayerEntry> Guests, HostInput Template, long Epoch)
{
    public string Compressor { get; init; } = SquashfsImage.Settings;

    /// <summary>
    /// name, type, autostart, and for a disk the read-only image, the writable disk made over it before the first
    /// start and the file that keeps the guest's writes (else -).
    /// </summary>
    public string GuestList => string.Concat(Guests.Select(g =>
        $"{g.Name}\t{g.Config.Type}\t{(g.Config.Autostart ? "yes" : "no")}\t{g.Config.Image ?? "-"}\t{g.Config.Disk ?? "-"}\t{g.Config.DiskChanges ?? "-"}\n"));
}

/// <summary>
/// What templates/xl/guest.cfg.sbn sees for one guest: a kernel Xen boots directly (PV, PVH), or firmware that boots
/// the guest's disk (HVM); the disk's read-only image on the medium, the writable disk the guest runs on and where its
/// writes are kept.
/// </summary>
public sealed record XlGuestModel(string Name, string Type, int Memory, int Vcpus, bool Autostart, string? Bridge, string Mac)
{
    public string? Kernel { get; init; }

    public string? Ramdisk { get; init; }

    public string? CommandLine { get; init; }

    public string? Image { get; init; }

    public string? Disk { get; init; }

    public string? DiskChanges { get; init; }

    public string? DiskDevice { get; init; }

    public bool Hvm { get; init; }

    public string? Firmware { get; init; }

    /// <summary>Where the Dom0 keeps an HVM guest's console (its serial port), beside xenconsoled's logs of the others.</summary>
    public string? ConsoleLog { get; init; }
}
