using Hv.Kernel.Build;
using ImageBuilder.Common.Processes;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// Compiles the hypervisor from a source step. The tree is copied to a scratch folder and built there; the cache
/// entry keeps only the artifacts (named as <see cref="HypervisorStep"/> names them) and the full build log.
/// Its key covers the source, the fragment, the make variables and the compiler, so unchanged inputs compile nothing.
/// </summary>
public sealed class XenBuildStep(SourceStep source, XenBuildParameters parameters) : Step<XenBuildParameters>("hypervisor", parameters, source)
{
    public const string BuildLog = "build.log";
    private const string Scratch = ".build";

    public override string Kind => "xen-build";

    public override string Description => $"compile Xen ({Parameters.Options.BaseConfig} + {Parameters.Options.Fragment.Options.Count} option(s), -j{Parameters.Options.Jobs})";

    public override IEnumerable<string> Tools => ["gcc", "make", "ld"];

    public override int Cores => Parameters.Options.Jobs;

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string tree = context.Output(Scratch);
        string log = context.LogFile;
        await ProcessRunner.RunAsync(ProcessSpec.Of("cp", "-a", "--no-target-directory", Path.Combine(context.OutputOf(source), SourceStep.TreeFolder), tree), cancellationToken).ConfigureAwait(false);
        try
        {
            var artifacts = await XenHypervisorBuild.RunAsync(tree, Parameters.Options, Parameters.Epoch, log, cancellationToken).ConfigureAwait(false);
            File.Copy(artifacts.XenGz, context.Output(HypervisorStep.XenGz));
            File.Copy(artifacts.Config, context.Output(HypervisorStep.XenConfig));
            File.Copy(artifacts.XenSyms, context.Output("xen-syms"));
            if (artifacts.XenEfi is not null)
            {
                File.Copy(artifacts.XenEfi, context.Output(HypervisorStep.XenEfi));
            }

            File.Copy(log, context.Output(BuildLog));
        }
        finally
        {
            Directory.Delete(tree, recursive: true);
        }
    }
}

/// <summary>The hypervisor build: base configuration, Kconfig fragment, make variables (not -j, which does not change the output) and the epoch of its build identity.</summary>
public sealed record XenBuildParameters(XenBuildOptions Options, long Epoch)
{
    /// <summary>A Debian source build reports its package version in the banner, as Debian's own build does.</summary>
    public static XenBuildParameters For(Hv.Kernel.Sources.SourceSpec source, XenBuildOptions options, long epoch)
    {
        ArgumentNullException.ThrowIfNull(options);
        return source is Hv.Kernel.Sources.DebianSourcePackage debian && !options.MakeVariables.ContainsKey("DEB_VERSION")
            ? new(options with { MakeVariables = options.MakeVariables.SetItem("DEB_VERSION", debian.Version + "+imagebuilder") }, epoch)
            : new(options, epoch);
    }
}
