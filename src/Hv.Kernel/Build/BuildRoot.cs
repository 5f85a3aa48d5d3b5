using ImageBuilder.Common;
using ImageBuilder.Common.Processes;

namespace Hv.Kernel.Build;

/// <summary>
/// A writable view of a Debian build root (a cached, read-only tree) for one build: an overlay mount whose upper layer
/// lives in a scratch folder, so the build never changes the cached root. Commands run chrooted with a clean
/// environment. Needs root (mount, chroot), as the root filesystem steps do. Dispose unmounts.
/// </summary>
public sealed class BuildRoot : IAsyncDisposable
{
    private const string SearchPath = "/usr/sbin:/usr/bin:/sbin:/bin";
    private readonly string scratch;

    private BuildRoot(string scratch, string path)
    {
        this.scratch = scratch;
        Path = path;
    }

    /// <summary>The merged tree on the host; files written here land in the scratch folder.</summary>
    public string Path { get; }

    public static async Task<BuildRoot> MountAsync(string lowerRoot, string scratch, CancellationToken cancellationToken = default)
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            throw new ImageBuilderException("building in a Debian build root needs root (overlay mount and chroot)")
            {
                Hint = "run the build as root, as the Dom0 root filesystem steps need too",
            };
        }

        string upper = System.IO.Path.Combine(scratch, "upper");
        string work = System.IO.Path.Combine(scratch, "work");
        string merged = System.IO.Path.Combine(scratch, "root");
        foreach (string dir in (string[])[upper, work, merged])
        {
            Directory.CreateDirectory(dir);
        }

        await ProcessRunner.RunAsync(ProcessSpec.Of("mount", "-t", "overlay", "overlay", "-o", $"lowerdir={lowerRoot},upperdir={upper},workdir={work}", merged), cancellationToken).ConfigureAwait(false);
        return new BuildRoot(scratch, merged);
    }

    /// <summary>The host path of a path inside the root.</summary>
    public string HostPath(string inside) => System.IO.Path.Combine(Path, inside.TrimStart('/'));

    /// <summary>A command run inside the root in <paramref name="directory"/>, with only PATH, HOME and the given variables set.</summary>
    public ProcessSpec Command(string directory, IEnumerable<KeyValuePair<string, string>> environment, params IEnumerable<string> arguments) =>
        ProcessSpec.Of("chroot", [Path, "/usr/bin/env", "-i", "-C", directory, "PATH=" + SearchPath, "HOME=" + directory, .. environment.Select(e => $"{e.Key}={e.Value}"), .. arguments]);

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync(ProcessSpec.Of("umount", Path)).ConfigureAwait(false);
        Directory.Delete(scratch, recursive: true);
    }
}
