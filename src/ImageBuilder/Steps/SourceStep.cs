using Hv.Kernel.Sources;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>An unpacked, patched source tree (src/), from a Debian source package or a local checkout.</summary>
public sealed class SourceStep(string name, SourceSpec source) : Step($"source/{name}")
{
    public const string TreeFolder = "src";

    public SourceSpec Source => source;

    public override string Kind => "source";

    public override string Description => source switch
    {
        DebianSourcePackage d => $"Debian source {d.Package} {d.Version}",
        LocalTree l => $"local tree {l.Path}",
        UpstreamTarball t => $"tarball {t.Url}",
        _ => source.ToString(),
    };

    public override object Parameters => source.Identity;

    public override IEnumerable<string> Tools => source is DebianSourcePackage ? ["apt-get", "dpkg-source"] : [];

    public override Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return SourceFetcher.FetchAsync(source, context.Output(TreeFolder), context.LogFile, cancellationToken);
    }
}
