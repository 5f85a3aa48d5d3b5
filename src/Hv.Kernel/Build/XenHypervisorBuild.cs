using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Serialization;
using Hv.Kernel.Inspection;
using ImageBuilder.Common;
using ImageBuilder.Common.Processes;

namespace Hv.Kernel.Build;

/// <summary>
/// What to build: the base configuration, the recipe's fragment, make variables and parallelism. Jobs is left out of
/// serialised keys: -j changes how fast the build runs, not what it makes.
/// </summary>
public sealed record XenBuildOptions(string BaseConfig, KconfigFragment Fragment, ImmutableSortedDictionary<string, string> MakeVariables, [property: JsonIgnore] int Jobs);

public sealed record XenBuildArtifacts(string XenGz, string? XenEfi, string XenSyms, string Config);

/// <summary>
/// Builds the hypervisor in a source tree: the base config (defconfig), the fragment appended, olddefconfig,
/// then a check that every fragment option holds (Kconfig silently drops those with unmet dependencies), then
/// make. Build identity (who, where, when) comes from the options and the epoch, so builds are comparable.
/// </summary>
public static class XenHypervisorBuild
{
    public static async Task<XenBuildArtifacts> RunAsync(string sourceTree, XenBuildOptions options, long epoch, string logFile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var when = DateTimeOffset.FromUnixTimeSeconds(epoch).UtcDateTime;
        var identity = new Dictionary<string, string>
        {
            ["XEN_BUILD_DATE"] = string.Create(CultureInfo.InvariantCulture, $"{when:ddd MMM} {when.Day,2} {when:HH:mm:ss} UTC {when:yyyy}"),
            ["XEN_BUILD_TIME"] = when.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
            ["XEN_BUILD_HOST"] = "imagebuilder",
            ["XEN_WHOAMI"] = "imagebuilder",
            ["XEN_DOMAIN"] = "imagebuilder.invalid",

            // Debian's source package reports the maintainer instead of XEN_WHOAMI/XEN_DOMAIN.
            ["DEB_MAINTAINER"] = "ImageBuilder <imagebuilder@imagebuilder.invalid>",
            ["SOURCE_DATE_EPOCH"] = epoch.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in options.MakeVariables)
        {
            identity[name] = value;
        }

        string[] variables = [.. identity.Select(v => $"{v.Key}={v.Value}")];
        ProcessSpec Make(params string[] args) =>
            ProcessSpec.Of("make", ["-C", Path.Combine(sourceTree, "xen"), .. variables, .. args]).LoggingTo(logFile) with
            {
                Hint = "the build needs the hypervisor build dependencies: apt-get install build-essential bison flex python3",
            };

        await ProcessRunner.RunAsync(Make(options.BaseConfig), cancellationToken).ConfigureAwait(false);
        string config = Path.Combine(sourceTree, "xen", ".config");
        await File.AppendAllTextAsync(config, options.Fragment.Render(), cancellationToken).ConfigureAwait(false);
        await ProcessRunner.RunAsync(Make("olddefconfig"), cancellationToken).ConfigureAwait(false);
        var notApplied = options.Fragment.NotApplied(KernelConfig.ReadFile(config));
        if (notApplied.Count > 0)
        {
            throw new ImageBuilderException($"Kconfig did not keep {notApplied.Count} option(s) of the recipe's fragment (their dependencies are not met): {string.Join("; ", notApplied)}")
            {
                Hint = $"see {config} and `make -C xen menuconfig` for the dependencies",
            };
        }

        await ProcessRunner.RunAsync(Make($"-j{options.Jobs}"), cancellationToken).ConfigureAwait(false);
        string xen = Path.Combine(sourceTree, "xen");
        string gz = Path.Combine(xen, "xen.gz");
        if (!File.Exists(gz))
        {
            throw new ImageBuilderException($"make finished but produced no xen/xen.gz (log: {logFile})");
        }

        Multiboot2Header.ReadFile(gz);
        string? efi = File.Exists(Path.Combine(xen, "xen.efi")) ? Path.Combine(xen, "xen.efi") : null;
        if (efi is not null)
        {
            PeImage.ReadFile(efi).RequireX64EfiApplication("xen.efi");
        }

        return new XenBuildArtifacts(gz, efi, Path.Combine(xen, "xen-syms"), config);
    }
}
