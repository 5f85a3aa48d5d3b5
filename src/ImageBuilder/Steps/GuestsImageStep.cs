using System.Collections.Immutable;
using ImageBuilder.Boot;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// Everything the Dom0 needs to run the recipe's guests, as a squashfs layered over the Dom0 root: the kernel (the
/// Dom0's, which runs PV, PVH and HVM), each guest's initramfs or disk, xl configurations rendered from
/// templates/xl/guest.cfg.hbs, and the list the autostart service reads.
/// </summary>
public sealed class GuestsImageStep : Step<GuestsImageParameters>
{
    public const string Image = "guests.squashfs";
    public const string Template = "xl/guest.cfg.hbs";
    public const string ConfigFolder = "etc/xen/imagebuilder";
    public const string GuestList = "etc/imagebuilder/guests.tsv";

    /// <summary>The kernel every guest boots, and the live initramfs that mounts a disk guest's root.</summary>
    public const string KernelFolder = "usr/lib/imagebuilder/kernel";

    /// <summary>One folder per guest, holding its initramfs or its disk image.</summary>
    public const string GuestFolder = "usr/lib/imagebuilder/guests";

    /// <summary>Where the Dom0 keeps a disk guest's writable copy (tmpfs, or the medium's persistence later).</summary>
    public const string WritableDisks = "/var/lib/imagebuilder/guests";

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

    public override IEnumerable<string> Tools => ["gensquashfs"];

    /// <summary>Where a guest's initramfs or disk image lies in the Dom0.</summary>
    public static string ImagePath(string guest, bool disk) => $"{GuestFolder}/{guest}/{(disk ? GuestDiskStep.Image : InitramfsStep.InitrdGz)}";

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var builder = FileTree.CreateBuilder()
            .AddFile($"{KernelFolder}/vmlinuz", FileContent.FromFile(Path.Combine(context.OutputOf(kernel), Dom0KernelStep.Vmlinuz)));
        if (Parameters.Guests.Any(g => g.Disk is not null))
        {
            builder.AddFile($"{KernelFolder}/initrd.gz", FileContent.FromFile(Path.Combine(context.OutputOf(liveInitramfs), InitramfsStep.InitrdGz)));
        }

        foreach (var (guest, image) in Parameters.Guests.Zip(images))
        {
            bool disk = guest.Disk is not null;
            string file = disk ? GuestDiskStep.Image : InitramfsStep.InitrdGz;
            builder.AddFile(ImagePath(guest.Name, disk), FileContent.FromFile(Path.Combine(context.OutputOf(image), file)));
            string config = TemplateRenderer.Render(Parameters.Template, guest, ConfigSyntax.Xl);
            builder.AddFile($"{ConfigFolder}/{guest.Name}.cfg", FileContent.FromText(config));
        }

        builder.AddFile(GuestList, FileContent.FromText(Parameters.GuestList));
        await SquashfsImage.WriteAsync(builder.ToTree(), context.Output(Image), Parameters.Epoch, context, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// What the guests layer is made of besides the images: each guest's xl configuration as the template sees it, the
/// template, the list the Dom0's guest service reads (name, type, autostart, the read-only disk to copy or -), the
/// compression and the epoch.
/// </summary>
public sealed record GuestsImageParameters(ImmutableArray<XlGuestModel> Guests, HostInput Template, long Epoch)
{
    public string Compressor { get; init; } = SquashfsImage.Settings;

    public string GuestList => string.Concat(Guests.Select(g =>
        $"{g.Name}\t{g.Type}\t{(g.Autostart ? "yes" : "no")}\t{(g.Disk is null ? "-" : "/" + GuestsImageStep.ImagePath(g.Name, disk: true))}\n"));
}

/// <summary>What templates/xl/guest.cfg.hbs sees for one guest.</summary>
public sealed record XlGuestModel(string Name, string Type, int Memory, int Vcpus, bool Autostart, string Kernel, string Ramdisk, string CommandLine, string? Disk, string? Bridge, string Mac);
