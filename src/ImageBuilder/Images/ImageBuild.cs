using ImageBuilder.Formats.Iso9660;
using ImageBuilder.Planning;
using ImageBuilder.Recipes;

namespace ImageBuilder.Images;

public sealed record BuildResult(string ImagePath, string Sha256, long Bytes);

/// <summary>recipe → plan → cached steps → ISO in the output folder.</summary>
public sealed class ImageBuild(Recipe recipe, string outputDirectory, string cacheDirectory, IBuildReporter reporter)
{
    /// <summary>Cores the steps running at once may use together; 1 runs them one after another.</summary>
    public int Cores { get; init; } = Environment.ProcessorCount;

    public Plan Plan(ToolVersions tools) => Planning.Plan.Create(BuildSteps.For(recipe, tools).All, tools);

    public async Task<BuildResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var tools = new ToolVersions();
        var steps = BuildSteps.For(recipe, tools);
        var plan = Planning.Plan.Create(steps.All, tools);
        var cache = new StepCache(cacheDirectory);
        var outputs = await new PlanRunner(cache, reporter, Cores).RunAsync(plan, cancellationToken).ConfigureAwait(false);

        var tree = LiveImageLayout.Compose(recipe, steps, outputs);
        var layout = IsoLayout.Compute(tree, LiveImageLayout.Options(recipe, steps, outputs));
        var set = new OutputSet(outputDirectory, recipe.Name);
        using (await set.LockAsync(() => reporter.Info($"waiting for another build writing {set.Image}"), cancellationToken).ConfigureAwait(false))
        {
            reporter.Info($"writing {set.Image} ({layout.TotalBytes / (1024 * 1024)} MiB, {tree.Count} entries)");
            OutputSet.WriteTemporary(set.Image, stream => IsoWriter.Write(layout, stream));
            string line = set.ChecksumOfTemporaryImage(out string sha);
            OutputSet.WriteTemporary(set.Checksum, s => s.Write(System.Text.Encoding.ASCII.GetBytes(line)));
            var result = new BuildResult(set.Image, sha, layout.TotalBytes);
            byte[] manifest = BuildManifest.Serialize(set.Image, result, recipe, steps, outputs);
            OutputSet.WriteTemporary(set.Manifest, s => s.Write(manifest));
            set.Publish();
            return result;
        }
    }
}
