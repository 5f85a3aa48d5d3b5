using Hv.Kernel.Inspection;
using ImageBuilder.Common;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// Takes the hypervisor images from the extracted package — xen.gz, xen.efi and the build config — and checks
/// them before anything is packed: xen.gz must carry a valid multiboot2 header, xen.efi must be an x86-64 EFI
/// application.
/// </summary>
public sealed class HypervisorStep(DebianPackagesStep packages, HypervisorParameters parameters) : Step<HypervisorParameters>("hypervisor", parameters, packages)
{
    public const string XenGz = "xen.gz";
    public const string XenEfi = "xen.efi";
    public const string XenConfig = "xen.config";

    public override string Kind => "hypervisor";

    public override string Description => $"hypervisor from {Parameters.Package}";

    public override int Revision => 2;

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string boot = packages.RootIn(context, "boot");
        string gz = PackageFiles.Single(boot, "xen-*.gz", Parameters.Package);
        var multiboot = Multiboot2Header.ReadFile(gz);
        File.Copy(gz, context.Output(XenGz));
        var findings = new List<string> { $"xen.gz: multiboot2 header at offset {multiboot.Offset}, {multiboot.HeaderLength} bytes, tags {string.Join(',', multiboot.TagTypes)}" };
        if (PackageFiles.Optional(boot, "xen-*.efi") is { } efi)
        {
            PeImage.ReadFile(efi).RequireX64EfiApplication(Path.GetFileName(efi));
            File.Copy(efi, context.Output(XenEfi));
            findings.Add("xen.efi: PE32+ x86-64 EFI application");
        }

        if (PackageFiles.Optional(boot, "xen-*.config") is { } config)
        {
            File.Copy(config, context.Output(XenConfig));
        }

        await File.WriteAllLinesAsync(context.Output("inspection.txt"), findings, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Finding the one file a package is expected to ship.</summary>
internal static class PackageFiles
{
    public static string Single(string directory, string pattern, string package)
    {
        var matches = Directory.Exists(directory) ? Directory.GetFiles(directory, pattern).Order(StringComparer.Ordinal).ToArray() : [];
        return matches.Length switch
        {
            1 => matches[0],
            0 => throw new ImageBuilderException($"package {package} has no {pattern} in {directory}"),
            _ => throw new ImageBuilderException($"package set has several {pattern} in {directory}: {string.Join(", ", matches.Select(Path.GetFileName))}; name one package"),
        };
    }

    public static string? Optional(string directory, string pattern) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory, pattern).Order(StringComparer.Ordinal).FirstOrDefault() : null;
}

/// <summary>The binary package the hypervisor is taken from.</summary>
public sealed record HypervisorParameters(string Package);
