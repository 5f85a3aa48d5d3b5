using System.Collections.Immutable;
using Hv.Kernel.Build;
using ImageBuilder.Common;
using ImageBuilder.Common.Processes;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// Compiles the Xen Dom0 tools from a source step inside a Debian build root (a root filesystem step of build
/// dependencies from the recipe's archive), installs them into staging/, enables the recipe's services there, and
/// derives what they need at run time: every DT_NEEDED library not in the staging tree and every #! interpreter,
/// each mapped to the build root's package that provides it (runtime.tsv). The Dom0 root installs those packages and
/// takes the staging tree instead of Debian's xen-utils.
/// </summary>
public sealed class XenToolsStep(SourceStep source, DebianRootfsStep buildRoot, XenToolsParameters parameters) : Step<XenToolsParameters>("dom0-tools", parameters, source, buildRoot)
{
    public const string StagingFolder = "staging";
    public const string RuntimeFile = "runtime.tsv";
    public const string BuildLog = "build.log";
    private const string Scratch = ".build";

    public SourceStep Source => source;

    public XenToolsOptions Options => Parameters.Options;

    public override string Kind => "xen-tools";

    public override string Description => $"compile the Xen Dom0 tools ({Options.Configure.Length} extra configure option(s), -j{Options.Jobs})";

    public override IEnumerable<string> Tools => ["dpkg-query"];

    public override int Cores => Options.Jobs;

    /// <summary>What the tools need at run time, as this step found it: each library or interpreter and its package ("-" for none).</summary>
    public ImmutableArray<RuntimeNeed> Runtime(StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return [.. File.ReadAllLines(Path.Combine(context.OutputOf(this), RuntimeFile)).Select(RuntimeNeed.Parse)];
    }

    /// <summary>The packages the tools need on the Dom0.</summary>
    public ImmutableArray<string> RuntimePackages(StepContext context) =>
        [.. Runtime(context).Select(n => n.Package).Where(p => p != RuntimeNeed.NoPackage).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>The installed tools without headers, static libraries and debug symbols, owned by root.</summary>
    public FileTree RuntimeTree(StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return FileTree.FromDirectory(Path.Combine(context.OutputOf(this), StagingFolder)).Where(e => XenToolsBuild.IsRuntimeFile(e.Path));
    }

    public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string staging = context.Output(StagingFolder);
        string log = context.LogFile;
        await using (var root = await BuildRoot.MountAsync(buildRoot.RootIn(context), context.Output(Scratch), cancellationToken).ConfigureAwait(false))
        {
            string built = await XenToolsBuild.RunAsync(root, Path.Combine(context.OutputOf(source), SourceStep.TreeFolder), Options, Parameters.Epoch, log, cancellationToken).ConfigureAwait(false);
            await ProcessRunner.RunAsync(ProcessSpec.Of("cp", "-a", "--no-target-directory", built, staging), cancellationToken).ConfigureAwait(false);
        }

        EnableServices(staging);
        var needs = RuntimeDependencies.Scan(staging, XenToolsBuild.IsRuntimeFile);
        var owners = await PackageOwners.FindAsync(buildRoot.RootIn(context), needs.ExternalLibraries, needs.Interpreters, cancellationToken).ConfigureAwait(false);
        var missing = needs.ExternalLibraries.Where(l => !owners.ContainsKey(l)).ToList();
        if (missing.Count > 0)
        {
            var users = missing.Select(l => $"{l} (needed by {needs.Objects.First(o => o.Dynamic.Needed.Contains(l)).Path})");
            throw new ImageBuilderException($"the tools need libraries that no package of the build root provides: {string.Join(", ", users)}");
        }

        var rows = needs.ExternalLibraries.Select(l => new RuntimeNeed("library", l, owners[l]))
            .Concat(needs.Interpreters.Select(i => new RuntimeNeed("interpreter", i, owners.GetValueOrDefault(i, RuntimeNeed.NoPackage))));
        await File.WriteAllLinesAsync(context.Output(RuntimeFile), rows.Select(r => r.ToLine()), cancellationToken).ConfigureAwait(false);
        File.Copy(log, context.Output(BuildLog));
    }

    private void EnableServices(string staging)
    {
        string units = Path.Combine(staging, "usr/lib/systemd/system");
        foreach (string service in Options.Services)
        {
            string unit = Path.Combine(units, service);
            if (!File.Exists(unit))
            {
                string available = Directory.Exists(units) ? string.Join(", ", Directory.GetFiles(units).Select(Path.GetFileName).Order(StringComparer.Ordinal)) : "none";
                throw new ImageBuilderException($"dom0.tools.services: the tools installed no unit '{service}' (installed: {available})");
            }

            foreach (var (link, target) in SystemdUnit.EnableLinks(service, Path.GetRelativePath(staging, unit), File.ReadAllText(unit)))
            {
                string path = Path.Combine(staging, link);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.CreateSymbolicLink(path, target);
            }
        }
    }
}

/// <summary>One run-time need of the compiled tools (kind: library or interpreter) and the package providing it; a line of runtime.tsv.</summary>
public sealed record RuntimeNeed(string Kind, string Need, string Package)
{
    public const string NoPackage = "-";

    public string ToLine() => $"{Kind}\t{Need}\t{Package}";

    public static RuntimeNeed Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string[] fields = line.Split('\t');
        return fields.Length == 3 ? new RuntimeNeed(fields[0], fields[1], fields[2]) : throw new ImageBuilderException($"malformed run-time line: {line}");
    }
}

/// <summary>The tools build: configure options after our defaults, services to enable (not -j, which does not change the output) and the epoch.</summary>
public sealed record XenToolsParameters(XenToolsOptions Options, long Epoch)
{
    public ImmutableArray<string> DefaultConfigure { get; init; } = XenToolsBuild.DefaultConfigure;

    public ImmutableArray<string> DefaultMakeVariables { get; init; } = XenToolsBuild.DefaultMakeVariables;
}
