using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests;

/// <summary>
/// The .NET tool users install: packed from the built program, installed by the dotnet CLI from the packed file into
/// a tool folder, and run from a folder with no templates above it, so what it renders comes from the package.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ToolPackageTests
{
    [Fact]
    public void The_packed_tool_installs_and_plans_a_recipe_as_the_repository_does()
    {
        using var dir = new TempDirectory("ib-tool");
        string packages = dir.Combine("packages");
        string configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/')))!; // bin/CONFIGURATION/net10.0
        Tool.Run("dotnet", "pack", Repository.PathOf("src/ImageBuilder/ImageBuilder.csproj"), "--no-build", "--configuration", configuration, "--output", packages);
        Assert.Single(Directory.GetFiles(packages, "ImageBuilder.*.nupkg"));
        Tool.Run("dotnet", "tool", "install", "ImageBuilder", "--tool-path", dir.Combine("tools"), "--add-source", packages);
        string imagebuilder = dir.Combine("tools", "imagebuilder");
        string recipe = Repository.PathOf("recipes/xen-minimal.yaml");

        string help = Tool.RunIn(dir.Path, imagebuilder, "--help");
        string plan = Tool.RunIn(dir.Path, imagebuilder, "plan", recipe, "--cache", dir.Combine("cache"));
        var fromRepository = ImageBuilderCli.Run("plan", recipe, "--cache", dir.Combine("cache"));
        string completion = Tool.RunIn(dir.Path, imagebuilder, "[suggest:8]", "boot --f");

        foreach (string command in (string[])["build", "plan", "boot"])
        {
            Assert.Contains(command, help, StringComparison.Ordinal);
        }

        // The same steps with the same keys: the grub.cfg step's key holds the template's bytes.
        Assert.Contains("boot-config", plan, StringComparison.Ordinal);
        Assert.Equal(0, fromRepository.ExitCode);
        Assert.Equal(fromRepository.StandardOutput, plan);

        // What dotnet-suggest asks a program for shell completion (README's example): the options boot has that start so.
        Assert.Equal(["--fail-on", "--firmware"], completion.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
