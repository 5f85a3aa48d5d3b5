using System.Globalization;
using ImageBuilder.Boot;
using ImageBuilder.Formats.Partitions;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;
using ImageBuilder.Recipes;

namespace ImageBuilder.Steps;

/// <summary>
/// Everything the Dom0 needs to run the recipe's guests, as a squashfs layered over the Dom0 root: the kernel (the
/// Dom0's, which runs PV, PVH and HVM), each guest's initramfs or disk, xl configurations rendered from
/// templates/xl/guest.cfg.hbs, and the list the autostart service reads.
/// </summary>
public sealed class GuestsImageStep : Step
{
    public const string Image = "guests.squashfs";
    public const string Template = "xl/guest.cfg.hbs";
    public const string GuestFolder = "usr/lib/imagebuilder/guests";
    public const string ConfigFolder = "etc/xen/imagebuilder";
    public const string GuestList = "etc/imagebuilder/guests.tsv";

    /// <summary>Where the Dom0 keeps a disk guest's writable copy (tmpfs, or the medium's persistence later).</summary>
    public const string WritableDisks = "/var/lib/imagebuilder/guests";

    private readonly Recipe recipe;
    private readonly Dom0KernelStep kernel;
    private readonly InitramfsStep liveInitramfs;
    private readonly IReadOnlyDictionary<string, Step> images;

    /// <param name="images">Per guest name: its <see cref="InitramfsStep"/> or <see cref="GuestDiskStep"/>.</param>
    public GuestsImageStep(Recipe recipe, Dom0KernelStep kernel, InitramfsStep liveInitramfs, IReadOnlyDictionary<string, Step> images)
        : base("guests-image", [kernel, liveInitramfs, .. images.Values])
    {
        this.recipe = recipe;
        this.kernel = kernel;
        this.liveInitramfs = liveInitramfs;
        this.images = images;
    }

    public override string Kind => "guests-image";

    public override string Description => $"guest images and xl configs ({string.Join(", ", recipe.Guests.Select(g => g.Name))})";

    public override object Parameters => new { configs = recipe.Guests.Select(Model).ToArray(), list = GuestListText(), compressor = SquashfsImage.Settings };

    public override IEnumerable<string> Tools => ["gensquashfs"];

    public override IEnumerable<(string Name, string HostPath)> InputPaths => [("guest.cfg.hbs", TemplateRenderer.PathOf(Template))];

    public static XlGuestModel Model(GuestSpec guest, Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(guest);
        ArgumentNullException.ThrowIfNull(recipe);
        byte[] id = Gpt.DeterministicGuid($"{recipe.Name}/{recipe.Epoch}/guest/{guest.Name}/mac").ToByteArray();
        string mac = string.Create(CultureInfo.InvariantCulture, $"00:16:3e:{id[0] & 0x7F:x2}:{id[1]:x2}:{id[2]:x2}"); // Xen's OUI
        bool disk = guest.Disk is not null;
        return new XlGuestModel(
            guest.Name,
            guest.TypeName,
            guest.MemoryMiB,
            guest.Vcpus,
            $"/{GuestFolder}/kernel/vmlinuz",
            disk ? $"/{GuestFolder}/kernel/initrd.gz" : $"/{GuestFolder}/{guest.Name}/initrd.gz",
            disk ? $"{guest.CommandLine} root=/dev/xvda" : guest.CommandLine,
            disk ? $"{WritableDisks}/{guest.Name}.ext4" : null,
            guest.Bridge,
            mac);
    }

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var builder = FileTree.CreateBuilder()
            .AddFile($"{GuestFolder}/kernel/vmlinuz", FileContent.FromFile(Path.Combine(context.OutputOf(kernel), Dom0KernelStep.Vmlinuz)));
        if (recipe.Guests.Any(g => g.Disk is not null))
        {
            builder.AddFile($"{GuestFolder}/kernel/initrd.gz", FileContent.FromFile(Path.Combine(context.OutputOf(liveInitramfs), InitramfsStep.InitrdGz)));
        }

        foreach (var guest in recipe.Guests)
        {
            var image = images[guest.Name];
            string file = guest.Disk is null ? InitramfsStep.InitrdGz : GuestDiskStep.Image;
            builder.AddFile($"{GuestFolder}/{guest.Name}/{file}", FileContent.FromFile(Path.Combine(context.OutputOf(image), file)));
            string config = TemplateRenderer.Render(TemplateRenderer.PathOf(Template), Model(guest));
            builder.AddFile($"{ConfigFolder}/{guest.Name}.cfg", FileContent.FromText(config));
        }

        builder.AddFile(GuestList, FileContent.FromText(GuestListText()));
        await SquashfsImage.WriteAsync(builder.ToTree(), context.Output(Image), context, cancellationToken).ConfigureAwait(false);
    }

    private XlGuestModel Model(GuestSpec guest) => Model(guest, recipe);

    /// <summary>name, type, autostart, and the read-only disk to copy before the first start (or -).</summary>
    private string GuestListText() => string.Concat(recipe.Guests.Select(g =>
        $"{g.Name}\t{g.TypeName}\t{(g.Autostart ? "yes" : "no")}\t{(g.Disk is null ? "-" : $"/{GuestFolder}/{g.Name}/{GuestDiskStep.Image}")}\n"));
}

public sealed record XlGuestModel(string Name, string Type, int Memory, int Vcpus, string Kernel, string Ramdisk, string CommandLine, string? Disk, string? Bridge, string Mac);
