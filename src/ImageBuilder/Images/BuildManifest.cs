using System.Text.Json;
using ImageBuilder.Planning;

namespace ImageBuilder.Images;

/// <summary>
/// NAME.manifest.json: the image's checksum and medium id, the firmware it boots with, its guests and demo mode (what
/// `imagebuilder test` expects of a boot), and every Debian package in it with its exact version, per
/// component (boot files, Dom0 initramfs, boot loader, Dom0 root, each guest); for Xen compiled from source, what it
/// was compiled from and, for the Dom0 tools, with which configure options and what they need at run time.
/// </summary>
public static class BuildManifest
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string PathFor(string image) => Path.ChangeExtension(image, ".manifest.json");

    public static byte[] Serialize(string image, BuildResult result, Recipes.Recipe recipe, BuildSteps steps, IReadOnlyDictionary<string, string> outputs)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(outputs);
        var components = new SortedDictionary<string, PackageEntry[]>(StringComparer.Ordinal);
        foreach (var (component, step, file) in steps.PackageLists)
        {
            components[component] = [.. File.ReadAllLines(Path.Combine(outputs[step.Id], file)).Select(Parse)];
        }

        ToolsEntry? tools = null;
        if (steps.Live?.Tools is { } toolsStep)
        {
            var runtime = File.ReadAllLines(Path.Combine(outputs[toolsStep.Id], Steps.XenToolsStep.RuntimeFile)).Select(Steps.RuntimeNeed.Parse);
            tools = new ToolsEntry(
                "compiled from " + toolsStep.Source.Description,
                [.. Hv.Kernel.Build.XenToolsBuild.DefaultConfigure.Concat(toolsStep.Options.Configure)],
                [.. toolsStep.Options.Services],
                [.. runtime]);
        }

        var manifest = new Manifest(
            recipe.Name,
            Path.GetFileName(image),
            result.Sha256,
            result.Bytes,
            steps.MediumId.ToString("D"),
            recipe.Epoch,
            steps.HypervisorSource is { } source ? "compiled from " + source.Description : recipe.Hypervisor.Describe,
            [.. recipe.Boot.Firmware.Select(f => f.ToString().ToLowerInvariant())],
            recipe.Demo.ToString().ToLowerInvariant(),
            tools,
            [.. recipe.Guests.Select(g => new GuestEntry(g.Name, g.TypeName, g.MemoryMiB, g.Autostart, g.Root))],
            components);
        return JsonSerializer.SerializeToUtf8Bytes(manifest, Options);
    }

    private static PackageEntry Parse(string line)
    {
        string[] fields = line.Split('\t');
        return fields.Length == 3 ? new PackageEntry(fields[0], fields[1], fields[2]) : throw new Common.ImageBuilderException($"malformed package list line: {line}");
    }

#pragma warning disable CA1819 // Serialised data.
    private sealed record Manifest(string Name, string Image, string Sha256, long Bytes, string MediumId, long Epoch, string Hypervisor, string[] Firmware, string Demo, ToolsEntry? Dom0Tools, GuestEntry[] Guests, SortedDictionary<string, PackageEntry[]> Components);

    /// <summary>Xen tools compiled into the Dom0: from what, how, and what they need at run time (library or interpreter, and its package).</summary>
    private sealed record ToolsEntry(string Source, string[] Configure, string[] Services, Steps.RuntimeNeed[] Runtime);
#pragma warning restore CA1819


    private sealed record GuestEntry(string Name, string Type, int MemoryMib, bool Autostart, string Root);

    private sealed record PackageEntry(string Name, string Version, string Architecture);
}
