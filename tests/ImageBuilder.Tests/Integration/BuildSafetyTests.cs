using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ImageBuilder.Common.Processes;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Integration;

/// <summary>
/// recipes/xen-minimal.yaml built with another epoch into an empty cache: the reference every build below must equal,
/// byte for byte, whatever its cache held before.
/// </summary>
public sealed class CleanEpochBuildFixture : IDisposable
{
    /// <summary>Not the recipe's epoch (2026-01-01), so nothing of the repository's cache fits.</summary>
    public const long Epoch = 1767225600 + 86400;

    public CleanEpochBuildFixture()
    {
        Directory = new TempDirectory("ib-clean-epoch");
        var watch = Stopwatch.StartNew();
        Image = BuildSafety.Build(Directory.Combine("out"), Cache, Epoch);
        Duration = watch.Elapsed;
    }

    public TempDirectory Directory { get; }

    public string Cache => Directory.Combine("cache");

    public string Image { get; }

    public TimeSpan Duration { get; }

    public void Dispose()
    {
        Directory.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A build killed at any point, builds of another epoch on a warm cache, and two builds at once.</summary>
/// <remarks>Boots nothing: .ci/run runs the Build lane beside the boots (build.cake).</remarks>
[Trait("Category", "Slow")]
[Trait("Lane", "Build")]
[Collection("qemu")]
public sealed class BuildSafetyTests(CleanEpochBuildFixture clean, MinimalImageFixture minimal, ITestOutputHelper log) : IClassFixture<CleanEpochBuildFixture>, IClassFixture<MinimalImageFixture>
{
    [Fact]
    public void A_build_with_a_new_epoch_on_a_cache_warmed_with_the_old_one_equals_a_clean_build()
    {
        // The repository's cache holds the recipe's epoch (the minimal fixture); the epoch changes through SOURCE_DATE_EPOCH.
        Assert.True(File.Exists(minimal.Image));
        using var dir = new TempDirectory("ib-epoch");

        string image = BuildSafety.Build(dir.Combine("out"), Repository.PathOf("cache"), CleanEpochBuildFixture.Epoch);

        Assert.Equal(DemoBuild.Sha256(clean.Image), DemoBuild.Sha256(image));
    }

    [Fact]
    public void A_build_killed_at_random_points_leaves_only_complete_entries_and_outputs_and_the_next_build_is_the_same()
    {
        using var dir = new TempDirectory("ib-kill");
        string cache = dir.Combine("cache");
        string output = dir.Combine("out");
        System.IO.Directory.CreateDirectory(output);

        // Start from the reference's downloads but the boot loader's, so that kills land in a download, in the steps
        // after it and in the writing of the image, not only in the first download.
        BuildSafety.CopyDownloads(clean.Cache, cache, except: "packages/loader");

        var random = new Random(20261123);
        for (int trial = 0; trial < 12; trial++)
        {
            // The first kill lands in the boot loader's download; then, with every download in place, a build takes
            // seconds, and the kills spread over the steps and the writing and publishing of the image.
            if (trial == 1)
            {
                BuildSafety.CopyDownloads(clean.Cache, cache, except: null);
            }

            var delay = TimeSpan.FromSeconds(trial == 0 ? 2 : 0.4 + (random.NextDouble() * 1.6));
            string context = $"trial {trial}, killed after {delay.TotalSeconds:0.0} s";
            bool finished = BuildSafety.BuildKilledAfter(output, cache, CleanEpochBuildFixture.Epoch, delay);

            foreach (string entry in BuildSafety.Entries(cache))
            {
                string reference = Path.Combine(clean.Cache, Path.GetFileName(entry));
                Assert.True(File.Exists(Path.Combine(entry, "step.json")), $"{context}: {entry} has no step.json");
                Assert.True(BuildSafety.Listing(reference) == BuildSafety.Listing(entry), $"{context}: {entry} differs from the clean build's entry");
            }

            BuildSafety.AssertOutputsPair(output, clean.Image, context);
            log.WriteLine($"{context}: {(finished ? "finished first" : "killed")}; entries {string.Join(", ", BuildSafety.Entries(cache).Select(e => BuildSafety.Metadata(e).Id))}; temporary {BuildSafety.Count(Path.Combine(cache, ".tmp"))}; outputs {string.Join(", ", System.IO.Directory.GetFiles(output).Select(Path.GetFileName))}");
            if (finished)
            {
                // Leave work for the next trial: the steps after the downloads, and the image.
                foreach (string entry in BuildSafety.Entries(cache).Where(e => BuildSafety.Metadata(e).Kind != "debian-packages"))
                {
                    System.IO.Directory.Delete(entry, recursive: true);
                }
            }
        }

        string image = BuildSafety.Build(output, cache, CleanEpochBuildFixture.Epoch);

        Assert.Equal(DemoBuild.Sha256(clean.Image), DemoBuild.Sha256(image));
        BuildSafety.AssertOutputsPair(output, clean.Image, "after the last build");
    }

    [Fact]
    public async Task Two_builds_at_once_sharing_a_cache_and_an_output_folder_both_succeed_with_the_same_image()
    {
        using var dir = new TempDirectory("ib-twice");
        BuildSafety.CopyDownloads(clean.Cache, dir.Combine("cache"), except: null);
        var environment = new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = CleanEpochBuildFixture.Epoch.ToString(CultureInfo.InvariantCulture) };
        string[] arguments = ["build", Repository.PathOf("recipes/xen-minimal.yaml"), "--output", dir.Combine("out"), "--cache", dir.Combine("cache")];

        var results = await Task.WhenAll(Task.Run(() => ImageBuilderCli.Run(environment, arguments)), Task.Run(() => ImageBuilderCli.Run(environment, arguments)));

        foreach (var result in results)
        {
            Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        }

        string image = dir.Combine("out", "xen-minimal.iso");
        Assert.Equal(DemoBuild.Sha256(clean.Image), DemoBuild.Sha256(image));
        Assert.All(results, r => Assert.Contains($"sha256 {DemoBuild.Sha256(image)}", r.StandardOutput, StringComparison.Ordinal));
        Assert.Contains(results, r => r.StandardOutput.Contains("[run]", StringComparison.Ordinal));
        BuildSafety.AssertOutputsPair(dir.Combine("out"), image, "two builds");
    }
}

/// <summary>Failures of the machine, not of the recipe: one message, exit 1, nothing half-written.</summary>
[Trait("Category", "Slow")]
[Trait("Lane", "Build")]
[Collection("qemu")]
public sealed class FullDiskTests(MinimalImageFixture minimal) : IClassFixture<MinimalImageFixture>
{
    [Fact]
    public void A_full_disk_under_the_output_folder_is_one_message_and_leaves_no_image_behind()
    {
        Assert.True(File.Exists(minimal.Image));
        using var dir = new TempDirectory("ib-full");
        string output = dir.Combine("out");
        System.IO.Directory.CreateDirectory(output);
        Tool.Run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", output);
        try
        {
            var result = ImageBuilderCli.Run("build", Repository.PathOf("recipes/xen-minimal.yaml"), "--output", output, "--cache", Repository.PathOf("cache"));

            Assert.True(result.ExitCode == 1, result.StandardOutput + result.StandardError);
            Assert.Contains("error: No space left on device", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
            Assert.Empty(System.IO.Directory.GetFiles(output, "xen-minimal.*"));
        }
        finally
        {
            Tool.Run("umount", output);
        }
    }
}

internal static class BuildSafety
{
    public static int Count(string folder) => Directory.Exists(folder) ? Directory.GetFileSystemEntries(folder).Length : 0;

    public static string Build(string output, string cache, long epoch)
    {
        var result = ImageBuilderCli.Run(new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = epoch.ToString(CultureInfo.InvariantCulture) }, "build", Repository.PathOf("recipes/xen-minimal.yaml"), "--output", output, "--cache", cache);
        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        return Path.Combine(output, "xen-minimal.iso");
    }

    /// <summary>
    /// Runs a build in a session of its own and SIGKILLs the whole session (the build and every tool it runs) after
    /// <paramref name="delay"/>, as a power cut or the OOM killer would; true when the build finished first.
    /// </summary>
    public static bool BuildKilledAfter(string output, string cache, long epoch, TimeSpan delay)
    {
        var start = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repository.Root,
        };
        foreach (string argument in (string[])["dotnet", Path.Combine(AppContext.BaseDirectory, "imagebuilder.dll"), "build", Repository.PathOf("recipes/xen-minimal.yaml"), "--output", output, "--cache", cache])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["SOURCE_DATE_EPOCH"] = epoch.ToString(CultureInfo.InvariantCulture);
        start.Environment["CI"] = "true";
        using var build = Process.Start(start)!;
        build.OutputDataReceived += (_, _) => { };
        build.ErrorDataReceived += (_, _) => { };
        build.BeginOutputReadLine();
        build.BeginErrorReadLine();
        if (build.WaitForExit(delay))
        {
            return build.ExitCode == 0;
        }

        Tool.RunUnchecked("kill", "-KILL", "--", $"-{build.Id}");
        build.WaitForExit();

        // Children of the session die with it; wait until none is left writing into the cache.
        for (int i = 0; i < 100 && Tool.RunUnchecked("pgrep", "-s", build.Id.ToString(CultureInfo.InvariantCulture)).ExitCode == 0; i++)
        {
            Thread.Sleep(100);
        }

        return false;
    }

    /// <summary>
    /// What find(1) and sha256sum(1) say of an entry: every path with its type, mode, size and link target, and every
    /// regular file's digest (but step.json, which records how long the step took).
    /// </summary>
    public static string Listing(string entry)
    {
        var find = ProcessSpec.Of("find", ".", "-path", "./step.json", "-prune", "-o", "-printf", "%y %m %s %l %p\\n").In(entry);
        var files = ProcessSpec.Of("find", ".", "-type", "f", "!", "-path", "./step.json", "-exec", "sha256sum", "{}", "+").In(entry);
        string Sorted(ProcessSpec spec) => string.Join('\n', ProcessRunner.Run(spec).StandardOutput.Split('\n').Order(StringComparer.Ordinal));
        return Sorted(find) + Sorted(files);
    }

    /// <summary>Copies the package downloads of one cache into another (complete entries, as a shared cache would hold).</summary>
    public static void CopyDownloads(string from, string to, string? except)
    {
        Directory.CreateDirectory(to);
        foreach (string entry in Entries(from).Where(e => Metadata(e) is ("debian-packages", var id) && id != except))
        {
            if (!Directory.Exists(Path.Combine(to, Path.GetFileName(entry))))
            {
                Tool.Run("cp", "-a", entry, to);
            }
        }
    }

    /// <summary>Cache entries: everything but the temporary, lock and log folders.</summary>
    public static IEnumerable<string> Entries(string cache) =>
        Directory.Exists(cache) ? Directory.GetDirectories(cache).Where(d => !Path.GetFileName(d).StartsWith('.') && Path.GetFileName(d) != "logs") : [];

    public static (string Kind, string Id) Metadata(string entry)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(entry, "step.json")));
        return (json.RootElement.GetProperty("kind").GetString()!, json.RootElement.GetProperty("id").GetString()!);
    }

    /// <summary>The image under its final name is complete (the reference's bytes), and a checksum or manifest beside it is its own.</summary>
    public static void AssertOutputsPair(string output, string reference, string context)
    {
        string image = Path.Combine(output, "xen-minimal.iso");
        string checksum = image + ".sha256";
        string manifest = Path.Combine(output, "xen-minimal.manifest.json");
        if (!File.Exists(image))
        {
            Assert.False(File.Exists(checksum), $"{context}: a checksum without its image");
            Assert.False(File.Exists(manifest), $"{context}: a manifest without its image");
            return;
        }

        string sha = DemoBuild.Sha256(image);
        Assert.True(sha == DemoBuild.Sha256(reference), $"{context}: {image} is not the complete image");
        if (File.Exists(checksum))
        {
            var check = ProcessRunner.RunUncheckedAsync(ProcessSpec.Of("sha256sum", "--check", "--strict", checksum).In(output)).GetAwaiter().GetResult();
            Assert.True(check.ExitCode == 0, $"{context}: {check.StandardOutput}{check.StandardError}");
        }

        if (File.Exists(manifest))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(manifest));
            Assert.Equal(sha, json.RootElement.GetProperty("sha256").GetString());
        }
    }
}
