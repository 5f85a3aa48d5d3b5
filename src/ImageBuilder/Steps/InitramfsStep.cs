using System.Collections.Immutable;
using System.IO.Compression;
using ImageBuilder.Common;
using ImageBuilder.Formats.Cpio;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// An initramfs (the Dom0's, or a guest's): package roots + overlays + kernel modules with their load order in
/// <see cref="ModuleLoadList"/> + the device nodes the kernel needs before devtmpfs, written as a gzip-compressed
/// newc cpio archive (initrd.gz).
/// </summary>
public sealed class InitramfsStep(string id, DebianPackagesStep packages, KernelModulesStep? modules, InitramfsParameters parameters)
    : Step<InitramfsParameters>(id, parameters, new Step?[] { packages, modules }.OfType<Step>())
{
    public const string InitrdGz = "initrd.gz";
    public const string ModuleLoadList = "etc/imagebuilder/modules.load";

    public override string Kind => "initramfs";

    public override string Description => $"initramfs from {string.Join(", ", packages.Packages)} + {Parameters.Overlays.Length} overlay(s)" + (Parameters.Modules.Length > 0 ? $" + {Parameters.Modules.Length} module(s)" : string.Empty);

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var builder = RootfsComposer.FromPackages([packages.RootIn(context)]);
        if (modules is not null && Parameters.Modules.Length > 0)
        {
            builder.AddTree(modules.Subset(context, Parameters.Modules, "lib/modules", ModuleLoadList));
        }

        builder.AddOverlays(Parameters.Overlays);

        foreach (string dir in (string[])["dev", "proc", "sys", "tmp", "run", "root"])
        {
            builder.AddDirectory(dir);
        }

        // The kernel opens /dev/console for init's stdio before anything can mount devtmpfs.
        builder.AddDevice("dev/console", DeviceKind.Character, 5, 1, (UnixFileMode)0x180);
        var tree = builder.ToTree();
        if (tree.Find("init") is not FsFile { Permissions: var mode } || (mode & UnixFileMode.UserExecute) == 0)
        {
            throw new ImageBuilderException("the initramfs has no executable /init; add one in an overlay (see overlays/dom0-initramfs)");
        }

        string output = context.Output(InitrdGz);
        await using (var file = File.Create(output))
        await using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
        {
            CpioArchive.Write(tree, gzip, Parameters.Epoch);
        }
    }
}

/// <summary>What an initramfs is made of besides its package set: overlays (by content), kernel modules, and the epoch every entry carries.</summary>
public sealed record InitramfsParameters(ImmutableArray<HostInput> Overlays, ImmutableArray<string> Modules, long Epoch)
{
    public string Format { get; init; } = "newc+gzip";
}
