using ImageBuilder.Boot;
using ImageBuilder.Planning;
using ImageBuilder.Recipes;

namespace ImageBuilder.Steps;

/// <summary>Renders grub.cfg from templates/grub/grub.cfg.hbs and the recipe's boot section.</summary>
public sealed class BootConfigStep(Recipe recipe) : Step("boot-config")
{
    public const string GrubCfg = "grub.cfg";
    public const string GrubTemplate = "grub/grub.cfg.hbs";
    public const string MediumCfg = "medium.cfg";

    public override string Kind => "boot-config";

    public override string Description => $"render grub.cfg ({recipe.Boot.Entries.Length} entries)";

    public override object Parameters => Model;

    public override IEnumerable<(string Name, string HostPath)> InputPaths => [("grub.cfg.hbs", TemplateRenderer.PathOf(GrubTemplate))];

    /// <summary>What the template sees; also the key material, so any change to the menu re-renders.</summary>
    public GrubModel Model => new(
        recipe.Name,
        recipe.Boot.Timeout,
        recipe.Boot.Default,
        recipe.Dom0.Rootfs is not null,
        new GrubSerial(recipe.Boot.Serial.Port, recipe.Boot.Serial.Speed),
        [.. recipe.Boot.Entries.Select(e => new GrubEntry(
            e.Title,
            e.Type == BootEntryType.Xen,
            e.Type == BootEntryType.Xen ? recipe.Hypervisor.CommandLine.Merge(e.XenOptions).Render() : string.Empty,
            KernelCommandLine(recipe, e, MediumIdFromGrub)))]);

    /// <summary>Set by /boot/grub/medium.cfg; grub.cfg itself stays free of the id it is part of.</summary>
    public const string MediumIdFromGrub = "${imagebuilder_medium}";

    /// <summary>
    /// The Dom0 command line of an entry: the entry's or the recipe's, plus, for a live Dom0, the medium to boot from
    /// and the demo mode.
    /// </summary>
    public static string KernelCommandLine(Recipe recipe, BootEntry entry, string mediumId)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(entry);
        string line = entry.KernelOptions ?? recipe.Dom0.CommandLine;
        if (recipe.Dom0.Rootfs is null)
        {
            return line;
        }

        line += $" imagebuilder.medium={mediumId}";
        return recipe.Demo == DemoMode.Unattended && entry.Type == BootEntryType.Xen ? line + " imagebuilder.demo=unattended" : line;
    }

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string text = TemplateRenderer.Render(TemplateRenderer.PathOf(GrubTemplate), Model);
        await File.WriteAllTextAsync(context.Output(GrubCfg), text, cancellationToken).ConfigureAwait(false);
    }
}

#pragma warning disable CA1819 // Template models are plain data.
public sealed record GrubModel(string Name, int Timeout, int Default, bool Live, GrubSerial Serial, GrubEntry[] Entries);
#pragma warning restore CA1819

public sealed record GrubSerial(int Port, int Speed);

public sealed record GrubEntry(string Title, bool Xen, string XenCommandLine, string KernelCommandLine);
