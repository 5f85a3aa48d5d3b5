using System.Collections.Immutable;
using Hv.Kernel.Inspection;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// Takes the Dom0 kernel and its config from the extracted kernel package, and refuses a kernel that is not a
/// bzImage or cannot be Xen's Dom0 (config file beside it, else the embedded IKCONFIG), naming the options.
/// </summary>
public sealed class Dom0KernelStep(DebianPackagesStep packages, Dom0KernelParameters parameters) : Step<Dom0KernelParameters>("dom0-kernel", parameters, packages)
{
    public const string Vmlinuz = "vmlinuz";
    public const string Config = "config";
    public const string Release = "release";

    public override string Kind => "dom0-kernel";

    public override string Description => $"Dom0 kernel from {Parameters.Package}";

    public override int Revision => 2;

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string package = Parameters.Package;
        string boot = packages.RootIn(context, "boot");
        string kernel = PackageFiles.Single(boot, "vmlinuz-*", package);
        var header = BzImage.ReadFile(kernel);
        string release = Path.GetFileName(kernel)["vmlinuz-".Length..];
        string? configFile = PackageFiles.Optional(boot, "config-" + release);
        var config = (configFile is null ? null : KernelConfig.ReadFile(configFile)) ?? KernelConfig.FromEmbedded(kernel)
            ?? throw new InspectionException($"{package}: kernel {release} has neither /boot/config-{release} nor an embedded IKCONFIG; cannot tell whether it can be Dom0");
        Dom0Requirements.Require(config, $"kernel {release} from {package}");

        File.Copy(kernel, context.Output(Vmlinuz));
        await File.WriteAllLinesAsync(context.Output(Config), config.Options.Select(o => $"{o.Key}={o.Value}"), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(context.Output("inspection.txt"), $"bzImage boot protocol {header.Version}; config from {Path.GetFileName(config.Source)}; Dom0 options present\n", cancellationToken).ConfigureAwait(false);

        await File.WriteAllTextAsync(context.Output(Release), release + "\n", cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The kernel package, and what a kernel must have to be Xen's Dom0.</summary>
public sealed record Dom0KernelParameters(string Package)
{
    public ImmutableArray<string> Requirements { get; init; } = [.. Dom0Requirements.BuiltIn.Concat(Dom0Requirements.BuiltInOrModule)];
}
