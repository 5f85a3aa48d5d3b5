using ImageBuilder.Recipes;

namespace ImageBuilder.Boot;

/// <summary>
/// The boot menus as the templates see them: GRUB's (BIOS, and UEFI through GRUB) and xen.efi's sections. Command lines
/// are lists of words, so a template writes each word as one word of its file's syntax.
/// </summary>
public static class BootMenus
{
    /// <summary>The kernel argument that names the medium the live initramfs boots from.</summary>
    public const string MediumArgument = "imagebuilder.medium";

    public static GrubModel Grub(Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return new GrubModel(
            recipe.Name,
            recipe.Boot.Timeout,
            recipe.Boot.Default,
            recipe.Dom0.Rootfs is not null,
            new GrubSerial(recipe.Boot.Serial.Port, recipe.Boot.Serial.Speed),
            [.. recipe.Boot.Entries.Select(e => new GrubEntry(
                e.Title,
                e.Type == BootEntryType.Xen,
                e.Type == BootEntryType.Xen ? XenArguments(recipe, e) : [],
                KernelArguments(recipe, e)))])
        {
            Troubleshooting = TroubleshootingBase(recipe) is { } entry
                ? [.. Troubleshooting.Workarounds.Select(w => new GrubEntry(w.Title, true, XenArguments(recipe, entry, w), KernelArguments(recipe, entry, w)) { UefiOnly = w.UefiOnly })]
                : [],
        };
    }

    /// <summary>The entry the Troubleshooting entries vary: the default one when it boots Xen, else the first that does.</summary>
    public static BootEntry? TroubleshootingBase(Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var entries = recipe.Boot.Entries;
        return recipe.Boot.Default < entries.Length && entries[recipe.Boot.Default].Type == BootEntryType.Xen
            ? entries[recipe.Boot.Default]
            : entries.FirstOrDefault(e => e.Type == BootEntryType.Xen);
    }

    public static XenCfgModel XenEfi(Recipe recipe, string mediumId)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        string[] medium = recipe.Dom0.Rootfs is null ? [] : [$"{MediumArgument}={mediumId}"];
        var xenEntries = recipe.Boot.Entries.Select((e, i) => (e, i)).Where(x => x.e.Type == BootEntryType.Xen).ToList();
        var sections = xenEntries.Select(x => new XenCfgSection(
            $"entry{x.i}",
            x.e.Title,
            XenArguments(recipe, x.e),
            [.. KernelArguments(recipe, x.e), .. medium])).ToArray();
        int defaultIndex = xenEntries.Any(x => x.i == recipe.Boot.Default) ? recipe.Boot.Default : xenEntries[0].i;
        var troubleshooting = TroubleshootingBase(recipe) is { } entry
            ? Troubleshooting.Workarounds.Select(w => new XenCfgSection(
                $"troubleshooting-{w.Id}",
                w.Title,
                XenArguments(recipe, entry, w),
                [.. KernelArguments(recipe, entry, w), .. medium]))
            : [];
        return new XenCfgModel(recipe.Name, $"entry{defaultIndex}", [.. sections, .. troubleshooting]);
    }

    /// <summary>Xen's words for an entry: the hypervisor's command line with the entry's options merged over it.</summary>
    public static string[] XenArguments(Recipe recipe, BootEntry entry)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(entry);
        return Words(recipe.Hypervisor.CommandLine.Merge(entry.XenOptions).Render());
    }

    /// <summary>Xen's words for a Troubleshooting entry: the entry's, with the workaround's options merged over them.</summary>
    public static string[] XenArguments(Recipe recipe, BootEntry entry, Workaround workaround)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(workaround);
        return Words(recipe.Hypervisor.CommandLine.Merge(entry.XenOptions).Merge(workaround.Xen).Render());
    }

    /// <summary>The Dom0 kernel's words for a Troubleshooting entry: the entry's, then the workaround's.</summary>
    public static string[] KernelArguments(Recipe recipe, BootEntry entry, Workaround workaround)
    {
        ArgumentNullException.ThrowIfNull(workaround);
        return [.. KernelArguments(recipe, entry), .. Words(workaround.KernelWords)];
    }

    /// <summary>
    /// The Dom0 kernel's words for an entry: the entry's command line or the recipe's, plus, for a live Dom0 that runs the
    /// unattended demo, the demo flag. The medium id is added by each menu (GRUB reads it from a variable).
    /// </summary>
    public static string[] KernelArguments(Recipe recipe, BootEntry entry)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(entry);
        string[] words = Words(entry.KernelOptions ?? recipe.Dom0.CommandLine);
        return recipe.Dom0.Rootfs is not null && recipe.Demo == DemoMode.Unattended && entry.Type == BootEntryType.Xen
            ? [.. words, "imagebuilder.demo=unattended"]
            : words;
    }

    /// <summary>The recipe loader allows no quotes in boot command lines, so words are what lies between spaces.</summary>
    public static string[] Words(string commandLine) => commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

#pragma warning disable CA1819 // Template models are plain data.
/// <summary>What templates/grub/grub.cfg.sbn sees.</summary>
public sealed record GrubModel(string Name, int Timeout, int Default, bool Live, GrubSerial Serial, GrubEntry[] Entries)
{
    /// <summary>The Troubleshooting submenu's entries (none when the menu boots no Xen).</summary>
    public GrubEntry[] Troubleshooting { get; init; } = [];
}

public sealed record GrubSerial(int Port, int Speed);

public sealed record GrubEntry(string Title, bool Xen, string[] XenArguments, string[] KernelArguments)
{
    /// <summary>Shown only when GRUB runs on UEFI (grub_platform is efi).</summary>
    public bool UefiOnly { get; init; }
}

/// <summary>What templates/xen/xen.cfg.sbn sees: one section per Xen entry of the menu.</summary>
public sealed record XenCfgModel(string Name, string DefaultSection, XenCfgSection[] Sections);

public sealed record XenCfgSection(string Section, string Title, string[] XenArguments, string[] KernelArguments);
#pragma warning restore CA1819

