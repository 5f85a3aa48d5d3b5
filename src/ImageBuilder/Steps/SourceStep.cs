using Hv.Kernel.Sources;
using System.Text.Json.Serialization;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>An unpacked, patched source tree (src/), from a Debian source package or a local checkout.</summary>
public sealed class SourceStep(string name, SourceParameters parameters) : Step<SourceParameters>($"source/{name}", parameters)
{
    public const string TreeFolder = "src";

    public SourceSpec Source => Parameters.Spec;

    public override string Kind => "source";

    public override string Description => Source switch
    {
        DebianSourcePackage d => $"Debian source {d.Package} {d.Version}",
        LocalTree l => $"local tree {l.Path}",
        UpstreamTarball t => $"tarball {t.Url}",
        _ => Source.ToString(),
    };

    public override IEnumerable<string> Tools => Source is DebianSourcePackage ? ["apt-get", "dpkg-source"] : [];

    public override Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return SourceFetcher.FetchAsync(Source, context.Output(TreeFolder), context.LogFile, cancellationToken);
    }
}

/// <summary>
/// A source: its identity (package and version with the archive's sources, a tarball's URL and SHA-256, or a local
/// tree's content digest — never a host path) and, for a Debian source package, the keyring apt verifies it with.
/// </summary>
public sealed record SourceParameters([property: JsonIgnore] SourceSpec Spec)
{
    public object Identity => Spec.Identity;

    public HostInput? Keyring => Spec is DebianSourcePackage debian ? new HostInput(debian.Keyring) : null;
}
