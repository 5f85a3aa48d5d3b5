using System.Collections.Immutable;
using System.Globalization;
using ImageBuilder.Common.Processes;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// A Debian root filesystem installed by mmdebstrap (minbase plus the named packages, maintainer scripts run,
/// signatures verified against the keyring). Documentation, manuals and translations are not installed, except
/// the copyright files. SOURCE_DATE_EPOCH makes mmdebstrap drop its logs and caches that hold the clock.
/// Output: root/ (owners and modes as dpkg set them) and packages.tsv (every installed package and version).
/// With <paramref name="tools"/>, the packages the compiled Xen tools need at run time are installed too.
/// </summary>
public sealed class DebianRootfsStep(string name, RootfsParameters parameters, XenToolsStep? tools = null)
    : Step<RootfsParameters>($"rootfs/{name}", parameters, tools is null ? [] : [tools])
{
    public const string RootFolder = "root";
    public const string ManifestFile = "packages.tsv";

    /// <summary>Documentation, manuals and translations are not installed, except the copyright files.</summary>
    public static readonly ImmutableArray<string> DpkgOptions =
    [
        "path-exclude=/usr/share/doc/*",
        "path-include=/usr/share/doc/*/copyright",
        "path-exclude=/usr/share/man/*",
        "path-exclude=/usr/share/info/*",
        "path-exclude=/usr/share/locale/*",
        "path-exclude=/usr/share/lintian/*",
    ];

    public override string Kind => "debian-rootfs";

    public override int Revision => 2;

    public override string Description => $"install Debian {Parameters.Archive.Suite} root ({Id["rootfs/".Length..]}: {string.Join(", ", Parameters.Packages)}{(tools is null ? string.Empty : " + what the compiled Xen tools need")})";

    public override IEnumerable<string> Tools => ["mmdebstrap", "apt-get", "dpkg-query"];

    public string RootIn(StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Path.Combine(context.OutputOf(this), RootFolder);
    }

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string root = context.Output(RootFolder);
        var packages = Parameters.Packages;
        var all = tools is null ? packages : [.. packages.Concat(tools.RuntimePackages(context)).Distinct(StringComparer.Ordinal)];
        var spec = Mmdebstrap.Command(Parameters.Archive, Parameters.Variant, all, root, ["--mode=root", .. Parameters.Dpkg.Select(o => "--dpkgopt=" + o)], context.LogFile)
            .WithEnvironment("SOURCE_DATE_EPOCH", Parameters.Epoch.ToString(CultureInfo.InvariantCulture));
        await ProcessRunner.RunAsync(spec, cancellationToken).ConfigureAwait(false);

        // Files that belong to the machine that boots, not to the image. An empty machine-id (not a missing one)
        // makes systemd generate one at boot without treating every boot as the first (presets, firstboot).
        await File.WriteAllTextAsync(Path.Combine(root, "etc/machine-id"), string.Empty, cancellationToken).ConfigureAwait(false);
        foreach (string file in (string[])["etc/hostname", "etc/resolv.conf", "var/lib/dbus/machine-id"])
        {
            string path = Path.Combine(root, file);
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }

        var query = ProcessSpec.Of("dpkg-query", "--admindir=" + Path.Combine(root, "var/lib/dpkg"), "-W", "-f", "${Package}\t${Version}\t${Architecture}\n");
        var installed = await ProcessRunner.RunAsync(query, cancellationToken).ConfigureAwait(false);
        var lines = installed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        await File.WriteAllLinesAsync(context.Output(ManifestFile), lines, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>What a root filesystem step reads: the archive, the packages, the install options and the epoch (mmdebstrap's SOURCE_DATE_EPOCH).</summary>
public sealed record RootfsParameters(ArchiveSource Archive, ImmutableArray<string> Packages, long Epoch)
{
    public string Variant { get; init; } = "minbase";

    public ImmutableArray<string> Dpkg { get; init; } = DebianRootfsStep.DpkgOptions;

    public static RootfsParameters Of(ArchiveSource archive, IEnumerable<string> packages, long epoch) =>
        new(archive, [.. packages.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], epoch);
}
