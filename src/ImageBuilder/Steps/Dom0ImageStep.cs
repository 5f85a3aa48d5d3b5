using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;
using ImageBuilder.Recipes;

namespace ImageBuilder.Steps;

/// <summary>
/// The live Dom0 root as squashfs: the installed Debian root, the kernel's modules, the recipe's overlays, and what
/// the recipe decides about access (host name, presenter autologin, SSH only with authorized keys).
/// </summary>
public sealed class Dom0ImageStep(DebianRootfsStep rootfs, KernelModulesStep modules, RootfsSpec spec) : Step("dom0-image", rootfs, modules)
{
    public const string Image = "dom0.squashfs";

    public override string Kind => "dom0-image";

    public override string Description => $"Dom0 root filesystem (squashfs, {spec.Overlays.Length} overlay(s))";

    public override object Parameters => new
    {
        spec.Hostname,
        spec.Presenter,
        keys = spec.AuthorizedKeys.ToArray(),
        overlays = spec.Overlays.Length,
        compressor = SquashfsImage.Settings,
    };

    public override IEnumerable<string> Tools => ["gensquashfs"];

    public override IEnumerable<(string Name, string HostPath)> InputPaths => RootfsComposer.OverlayInputs(spec.Overlays);

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var builder = RootfsComposer.FromPackages([rootfs.RootIn(context)], keepOwners: true)
            .AddTree(modules.Tree(context, "usr/lib/modules"));
        builder.AddOverlays(spec.Overlays);

        LiveSystemFiles.Add(builder, spec.Hostname, spec.Presenter, spec.AuthorizedKeys);
        await SquashfsImage.WriteAsync(builder.ToTree(), context.Output(Image), context, cancellationToken).ConfigureAwait(false);
    }
}
