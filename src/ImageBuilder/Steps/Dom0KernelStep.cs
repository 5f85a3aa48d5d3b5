using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>Takes the Dom0 kernel image and its config from the extracted kernel package.</summary>
public sealed class Dom0KernelStep(DebianPackagesStep packages, string package) : Step("dom0-kernel", packages)
{
    public const string Vmlinuz = "vmlinuz";
    public const string Config = "config";
    public const string Release = "release";

    public override string Kind => "dom0-kernel";

    public override string Description => $"Dom0 kernel from {package}";

    public override object Parameters => new { package };

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string boot = Path.Combine(context.OutputOf(packages), DebianPackagesStep.RootFolder, "boot");
        string kernel = PackageFiles.Single(boot, "vmlinuz-*", package);
        File.Copy(kernel, context.Output(Vmlinuz));
        string release = Path.GetFileName(kernel)["vmlinuz-".Length..];
        if (PackageFiles.Optional(boot, "config-" + release) is { } config)
        {
            File.Copy(config, context.Output(Config));
        }

        await File.WriteAllTextAsync(context.Output(Release), release + "\n", cancellationToken).ConfigureAwait(false);
    }
}
