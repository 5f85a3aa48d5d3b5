using Hv.Kernel.Build;
using ImageBuilder.Common;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;
using System.Collections.Immutable;

namespace ImageBuilder.Steps;

/// <summary>
/// The live Dom0 root as squashfs: the installed Debian root, the kernel's modules, the recipe's overlays, and what
/// the recipe decides about access (host name, presenter autologin, SSH only with authorized keys). Xen tools compiled
/// from source go between the root and the overlays; every library they link against must then resolve in the image.
/// </summary>
public sealed class Dom0ImageStep(DebianRootfsStep rootfs, KernelModulesStep modules, Dom0ImageParameters parameters, XenToolsStep? tools = null)
    : Step<Dom0ImageParameters>("dom0-image", parameters, new Step?[] { rootfs, modules, tools }.OfType<Step>())
{
    public const string Image = "dom0.squashfs";

    public override string Kind => "dom0-image";

    public override string Description => $"Dom0 root filesystem (squashfs, {Parameters.Overlays.Length} overlay(s))";

    public override IEnumerable<string> Tools => ["gensquashfs"];

    public override int Cores => SquashfsImage.Jobs;

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var builder = RootfsComposer.FromPackages([rootfs.RootIn(context)], keepOwners: true)
            .AddTree(modules.Tree(context, "usr/lib/modules"));
        if (tools is not null)
        {
            AddTools(builder, tools.RuntimeTree(context));
        }

        builder.AddOverlays(Parameters.Overlays);

        LiveSystemFiles.Add(builder, Parameters.Access);
        var tree = builder.ToTree();
        if (tools is not null)
        {
            RequireLibraries(tree, Path.Combine(context.OutputOf(tools), XenToolsStep.StagingFolder));
        }

        await SquashfsImage.WriteAsync(tree, context.Output(Image), Parameters.Epoch, context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The tools' files over the root; folders the root already has (or links there, as /var/run) keep the root's entry.</summary>
    private static void AddTools(FileTree.Builder builder, FileTree toolsTree)
    {
        var existing = builder.ToTree();
        foreach (var entry in toolsTree.All)
        {
            if (entry is not FsDirectory || existing.Find(entry.Path) is null)
            {
                builder.Add(entry);
            }
        }
    }

    /// <summary>Fails naming every tool whose library the composed Dom0 lacks (resolved as ld.so would, through links).</summary>
    private static void RequireLibraries(FileTree tree, string staging)
    {
        var objects = RuntimeDependencies.Scan(staging, XenToolsBuild.IsRuntimeFile).Objects;
        var unresolved = RuntimeDependencies.Unresolved(objects, path => tree.Resolve(path) is not null);
        if (unresolved.Count > 0)
        {
            throw new ImageBuilderException($"the Dom0 root lacks libraries the Xen tools need: {string.Join("; ", unresolved)}")
            {
                Hint = "add the package that provides them to dom0.rootfs.packages",
            };
        }
    }
}

/// <summary>What the Dom0 image is made of besides its root, modules and tools: the access policy, overlays (by content), compression and the epoch.</summary>
public sealed record Dom0ImageParameters(LiveAccess Access, ImmutableArray<HostInput> Overlays, long Epoch)
{
    public string Compressor { get; init; } = SquashfsImage.Settings;
}
