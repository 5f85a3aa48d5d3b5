using Hv.Kernel.Modules;
using ImageBuilder.Common.Processes;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// The module index (modules.dep and friends) for the Dom0 kernel's modules, written by depmod beside the extracted
/// package instead of by its maintainer scripts, which the extract variant does not run.
/// </summary>
public sealed class KernelModulesStep(DebianPackagesStep packages, Dom0KernelStep kernel) : Step<KernelModulesParameters>("kernel-modules", new KernelModulesParameters(), packages, kernel)
{
    private const string IndexFolder = "index";

    public override string Kind => "kernel-modules";

    public override string Description => "kernel module index (depmod)";

    public override IEnumerable<string> Tools => ["depmod"];

    private static string Release(StepContext context, Dom0KernelStep kernel) =>
        File.ReadAllText(Path.Combine(context.OutputOf(kernel), Dom0KernelStep.Release)).Trim();

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string release = Release(context, kernel);
        string modules = packages.RootIn(context, "lib", "modules", release);
        if (!Directory.Exists(modules))
        {
            throw new Common.ImageBuilderException($"the kernel package has no modules for {release} (looked in {modules})");
        }

        // depmod writes beside the modules it scans (kmod 30 has no --outdir): scan a staging folder whose kernel/
        // links to the package's, keep what depmod wrote, drop the link.
        string staging = Path.Combine(context.Output(IndexFolder), "lib", "modules", release);
        Directory.CreateDirectory(staging);
        foreach (string file in Directory.GetFiles(modules, "modules.*"))
        {
            File.Copy(file, Path.Combine(staging, Path.GetFileName(file)));
        }

        string link = Path.Combine(staging, "kernel");
        File.CreateSymbolicLink(link, Path.Combine(modules, "kernel"));
        var spec = ProcessSpec.Of("depmod", "--basedir", context.Output(IndexFolder), release).LoggingTo(context.LogFile);
        await ProcessRunner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
        File.Delete(link);
        var index = ModuleIndex.Read(staging);
        if (index.Count == 0)
        {
            throw new Common.ImageBuilderException($"depmod found no modules for {release} (log: {context.LogFile})");
        }
    }

    /// <summary>The modules and their index as a tree under <paramref name="modulesRoot"/>/RELEASE (e.g. usr/lib/modules).</summary>
    public FileTree Tree(StepContext context, string modulesRoot)
    {
        ArgumentNullException.ThrowIfNull(context);
        string release = Release(context, kernel);
        string prefix = $"{modulesRoot}/{release}";
        return FileTree.CreateBuilder()
            .AddHostDirectory(packages.RootIn(context, "lib", "modules", release), prefix)
            .AddHostDirectory(IndexOf(context, release), prefix)
            .ToTree();
    }

    /// <summary>
    /// Only the given modules and what they need, under <paramref name="modulesRoot"/>/RELEASE, plus a load-order list at
    /// <paramref name="loadList"/>.
    /// </summary>
    public FileTree Subset(StepContext context, IEnumerable<string> names, string modulesRoot, string loadList)
    {
        ArgumentNullException.ThrowIfNull(context);
        string release = Release(context, kernel);
        string prefix = $"{modulesRoot}/{release}";
        string root = packages.RootIn(context, "lib", "modules", release);
        var order = ModuleIndex.Read(IndexOf(context, release)).LoadOrder(names);
        var builder = FileTree.CreateBuilder();
        foreach (var module in order)
        {
            builder.AddFile($"{prefix}/{module.Path}", FileContent.FromFile(Path.Combine(root, module.Path)));
        }

        builder.AddFile(loadList, FileContent.FromText(string.Concat(order.Select(m => $"/{prefix}/{m.Path}\n"))));
        return builder.ToTree();
    }

    private string IndexOf(StepContext context, string release) => Path.Combine(context.OutputOf(this), IndexFolder, "lib", "modules", release);
}

/// <summary>The module index is made by depmod from the kernel package alone: nothing else is read.</summary>
public sealed record KernelModulesParameters
{
    public string Index { get; init; } = "depmod";
}
