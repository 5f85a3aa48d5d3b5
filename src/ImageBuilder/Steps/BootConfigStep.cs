using ImageBuilder.Boot;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>Renders grub.cfg from templates/grub/grub.cfg.sbn and the recipe's boot menu.</summary>
public sealed class BootConfigStep(BootConfigParameters parameters) : Step<BootConfigParameters>("boot-config", parameters)
{
    public const string GrubCfg = "grub.cfg";
    public const string GrubTemplate = "grub/grub.cfg.sbn";
    public const string MediumCfg = "medium.cfg";

    /// <summary>Set by /boot/grub/medium.cfg; grub.cfg itself stays free of the id it is part of.</summary>
    public const string MediumVariable = "imagebuilder_medium";

    public override string Kind => "boot-config";

    public override string Description => $"render grub.cfg ({Parameters.Menu.Entries.Length} entries)";

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string text = TemplateRenderer.Render(Parameters.Template, Parameters.Menu, ConfigSyntax.Grub);
        await File.WriteAllTextAsync(context.Output(GrubCfg), text, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>What grub.cfg is rendered from: the menu as the template sees it, and the template.</summary>
public sealed record BootConfigParameters(GrubModel Menu, HostInput Template);
