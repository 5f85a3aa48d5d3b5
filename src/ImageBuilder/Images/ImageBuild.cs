using ImageBuilder.Formats.Iso9660;
using ImageBuilder.Planning;
using ImageBuilder.Recipes;

namespace ImageBuilder.Images;

public sealed record BuildResult(string ImagePath, string Sha256, long Bytes);

/// <summary>recipe → plan → cached steps → ISO in the output folder.</summary>
public sealed class ImageBuild(Recipe recipe, string outputDirectory, string cacheDirectory, IBuildReporter reporter)
{
    public Plan Plan(ToolVersions tools) => Planning.Plan.Create(BuildSteps.For(recipe, tools).All, tools);

    public async Task<BuildResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var tools = new ToolVersions();
        var steps = BuildSteps.For(recipe, tools);
        var plan = Planning.Plan.Create(steps.All, tools);
        var cache = new StepCache(cacheDirectory);
        var outputs = await new PlanRunner(cache, reporter, recipe.Epoch).RunAsync(plan, cancellationToken).ConfigureAwait(false);

        var tree = LiveImageLayout.Compose(recipe, steps, outputs);
        var layout = IsoLayout.Compute(tree, LiveImageLayout.Options(recipe, steps, outputs));
        string image = Path.Combine(Path.GetFullPath(outputDirectory), recipe.Name + ".iso");
        reporter.Info($"writing {image} ({layout.TotalBytes / (1024 * 1024)} MiB, {tree.Count} entries)");
        AtomicOutput.Write(image, stream => IsoWriter.Write(layout, stream));
        string sha = AtomicOutput.WriteChecksum(image);
        var result = new BuildResult(image, sha, layout.TotalBytes);
        BuildManifest.Write(image, result, recipe, steps, outputs);
        return result;
    }
}
