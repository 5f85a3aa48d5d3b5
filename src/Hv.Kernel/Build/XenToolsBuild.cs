using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Serialization;
using ImageBuilder.Common;
using ImageBuilder.Common.Processes;

namespace Hv.Kernel.Build;

/// <summary>
/// How to build the Dom0 tools: configure options (after <see cref="XenToolsBuild.DefaultConfigure"/>), the services to
/// enable, parallelism. Jobs is left out of serialised keys: -j changes how fast the build runs, not what it makes.
/// </summary>
public sealed record XenToolsOptions(ImmutableArray<string> Configure, ImmutableArray<string> Services, [property: JsonIgnore] int Jobs);

/// <summary>
/// Builds the Xen Dom0 tools in a build root: autogen when the tree has no configure script (Debian's source
/// package ships none), configure, <c>make build-tools</c>, <c>make install-tools DESTDIR=</c> (both with
/// <see cref="DefaultMakeVariables"/>). The staging tree is what a packaged xen-utils would have installed.
/// </summary>
public static class XenToolsBuild
{
    /// <summary>
    /// For a live Dom0: the layout Debian uses (/usr, /etc, /var, systemd units), nothing that downloads or compiles
    /// another project (stub domains, qemu-traditional, ROMBIOS, the PV shim, iPXE), no OCaml, Go, XSM policy or
    /// docs. HVM guests use Debian's Xen-enabled QEMU and SeaBIOS where qemu-system-xen and seabios install them (as
    /// Debian's own build of the tools does); a recipe with HVM guests adds those two packages to the Dom0.
    /// </summary>
    public static readonly ImmutableArray<string> DefaultConfigure =
    [
        "--prefix=/usr",
        "--sysconfdir=/etc",
        "--localstatedir=/var",
        "--enable-systemd",
        "--disable-stubdom",
        "--disable-qemu-traditional",
        "--disable-rombios",
        "--disable-ipxe",
        "--disable-pvshim",
        "--disable-ocamltools",
        "--disable-golang",
        "--disable-xsmpolicy",
        "--disable-docs",
        "--with-system-qemu=/usr/libexec/xen-qemu-system-i386",
        "--with-system-seabios=/usr/share/seabios/bios-256k.bin",
    ];

    /// <summary>
    /// Make variables of both make runs. CONFIG_TESTS=n leaves out tools/tests: nothing of it belongs on a Dom0 (the
    /// x86 emulator harness, which compiles its SIMD test blobs once per instruction set, was over half of the build).
    /// </summary>
    public static readonly ImmutableArray<string> DefaultMakeVariables = ["CONFIG_TESTS=n"];

    /// <summary>What a Dom0 needs running for xl to work: xenstored, the console daemon, and the Dom0's xenstore entries.</summary>
    public static readonly ImmutableArray<string> DefaultServices = ["xenstored.service", "xenconsoled.service", "xen-init-dom0.service"];

    /// <summary>The build root's packages: the compiler and what tools/configure checks for with the defaults above.</summary>
    public static readonly ImmutableArray<string> DefaultBuildPackages =
    [
        "build-essential", "autoconf", "autotools-dev", "bison", "flex", "pkg-config", "python3-dev", "python3-setuptools",
        "iasl", "gcc-multilib", "uuid-dev", "libyajl-dev", "libncurses-dev", "zlib1g-dev", "liblzma-dev", "libzstd-dev",
        "libbz2-dev", "libsystemd-dev",
    ];

    /// <summary>Development files and debug symbols stay in the staging tree; var/run is /run on the Dom0.</summary>
    private static readonly string[] BuildOnly = ["usr/include", "usr/lib/pkgconfig", "usr/lib/debug", "usr/share/doc", "usr/share/man", "var/run"];

    private const string Tree = "/build";
    private const string Staging = "/staging";

    /// <summary>Builds the tree at <paramref name="sourceTree"/> (a host path) in <paramref name="root"/>; returns the staging tree's host path.</summary>
    public static async Task<string> RunAsync(BuildRoot root, string sourceTree, XenToolsOptions options, long epoch, string logFile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(options);
        string tree = root.HostPath(Tree);
        await ProcessRunner.RunAsync(ProcessSpec.Of("cp", "-a", "--no-target-directory", sourceTree, tree), cancellationToken).ConfigureAwait(false);

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // Reproducible Python bytecode and build dates; nothing may be fetched from the network.
            ["SOURCE_DATE_EPOCH"] = epoch.ToString(CultureInfo.InvariantCulture),
            ["WGET"] = "/bin/false",
            ["GIT"] = "/bin/false",
            ["LC_ALL"] = "C.UTF-8",
        };
        ProcessSpec Run(params string[] arguments) => root.Command(Tree, environment, arguments).LoggingTo(logFile) with
        {
            Hint = $"the build root lacks a build dependency, or a configure option is wrong; see the end of {logFile}",
        };

        if (!File.Exists(Path.Combine(tree, "configure")))
        {
            // Debian's delta removes config.sub/config.guess and the generated scripts; regenerate as debian/rules does.
            foreach (string helper in (string[])["config.sub", "config.guess"])
            {
                if (!File.Exists(Path.Combine(tree, helper)))
                {
                    File.Copy(root.HostPath("/usr/share/misc/" + helper), Path.Combine(tree, helper));
                }
            }

            await ProcessRunner.RunAsync(Run("./autogen.sh"), cancellationToken).ConfigureAwait(false);
        }

        await ProcessRunner.RunAsync(Run(["./configure", .. DefaultConfigure, .. options.Configure]), cancellationToken).ConfigureAwait(false);
        await ProcessRunner.RunAsync(Run(["make", $"-j{options.Jobs}", "build-tools", .. DefaultMakeVariables]), cancellationToken).ConfigureAwait(false);
        await ProcessRunner.RunAsync(Run(["make", "install-tools", "DESTDIR=" + Staging, .. DefaultMakeVariables]), cancellationToken).ConfigureAwait(false);
        string staging = root.HostPath(Staging);
        if (!File.Exists(Path.Combine(staging, "usr/sbin/xl")))
        {
            throw new ImageBuilderException($"make install-tools finished but installed no usr/sbin/xl (log: {logFile})");
        }

        return staging;
    }

    /// <summary>Whether a staged path (relative, '/') belongs on the Dom0: not headers, static libraries, pkg-config files or debug symbols.</summary>
    public static bool IsRuntimeFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return !path.EndsWith(".a", StringComparison.Ordinal)
            && !BuildOnly.Any(p => path == p || path.StartsWith(p + "/", StringComparison.Ordinal));
    }
}
