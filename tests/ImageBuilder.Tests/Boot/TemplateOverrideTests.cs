using ImageBuilder.Recipes;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Boot;

/// <summary>
/// A recipe's templates folder: a file there replaces the built-in template of the same path; a file that is not a
/// template, or does not parse, is a recipe error located in the file at fault.
/// </summary>
public sealed class TemplateOverrideTests
{
    private const string Minimal = "recipes/xen-minimal.yaml";

    /// <summary>xen-minimal with `templates: over`, and over/RELATIVE holding TEXT for each file given.</summary>
    private static string RecipeWith(TempDirectory dir, params (string Relative, string Text)[] files)
    {
        foreach (var (relative, text) in files)
        {
            dir.Write(Path.Combine("over", relative), text);
        }

        return RecipeVariant.Write(dir, Repository.PathOf(Minimal), "custom.yaml", ("volume_label: XEN_MINIMAL", "volume_label: XEN_MINIMAL\ntemplates: over"));
    }

    private static string BuiltIn(string relative) => File.ReadAllText(Repository.PathOf(Path.Combine("templates", relative)));

    [Fact]
    public void A_file_that_is_not_a_template_is_a_recipe_error_at_the_templates_key()
    {
        using var dir = new TempDirectory();
        string recipe = RecipeWith(dir, ("grub/grub.cfg", BuiltIn("grub/grub.cfg.sbn")));

        var diagnostic = Assert.Single(RecipeLoader.Load(recipe).Diagnostics);

        Assert.Equal(recipe, diagnostic.File);
        Assert.Equal(File.ReadLines(recipe).TakeWhile(l => !l.StartsWith("templates:", StringComparison.Ordinal)).Count() + 1, diagnostic.Line);
        Assert.StartsWith("templates: 'grub/grub.cfg' in 'over' is not a template ImageBuilder renders (grub/early.cfg.sbn, grub/grub.cfg.sbn,", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_syntax_error_in_an_override_is_exit_2_at_its_own_line_and_column()
    {
        using var dir = new TempDirectory();
        string recipe = RecipeWith(dir, ("grub/grub.cfg.sbn", "set timeout=5\n\n  {{ if timeout }}\n"));

        var result = ImageBuilderCli.Run("plan", recipe);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{dir.Combine("over", "grub", "grub.cfg.sbn")}:3:", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void An_override_changes_the_key_of_the_step_that_renders_it_and_no_other_before_it()
    {
        using var dir = new TempDirectory();
        string custom = RecipeWith(dir, ("grub/grub.cfg.sbn", BuiltIn("grub/grub.cfg.sbn") + "# from the recipe's templates folder\n"));

        var plain = Keys(ImageBuilderCli.Run("plan", Repository.PathOf(Minimal)).StandardOutput);
        var changed = Keys(ImageBuilderCli.Run("plan", custom).StandardOutput);

        Assert.NotEqual(plain["boot-config"], changed["boot-config"]);
        Assert.Equal(plain["hypervisor"], changed["hypervisor"]);
        Assert.Equal(plain["initramfs"], changed["initramfs"]);
    }

    /// <summary>Built, the image's grub.cfg (read by isoinfo) is the override's rendering.</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void The_image_holds_the_overrides_rendering_and_an_unknown_variable_fails_the_build_at_its_place()
    {
        using var dir = new TempDirectory();
        string custom = RecipeWith(dir, ("grub/grub.cfg.sbn", BuiltIn("grub/grub.cfg.sbn") + "# from the recipe's templates folder for {{ name }}\n"));

        var built = ImageBuilderCli.Run("build", custom, "--output", dir.Combine("out"), "--cache", Repository.PathOf("cache"));

        Assert.True(built.ExitCode == 0, built.StandardOutput + built.StandardError);
        string grubCfg = Tool.Run("isoinfo", "-R", "-i", dir.Combine("out", "xen-minimal.iso"), "-x", "/boot/grub/grub.cfg");
        Assert.EndsWith("# from the recipe's templates folder for xen-minimal\n", grubCfg, StringComparison.Ordinal);

        string broken = RecipeWith(dir, ("grub/grub.cfg.sbn", BuiltIn("grub/grub.cfg.sbn") + "set colour={{ colour }}\n"));
        var failed = ImageBuilderCli.Run("build", broken, "--output", dir.Combine("broken"), "--cache", Repository.PathOf("cache"));

        int line = BuiltIn("grub/grub.cfg.sbn").Count(c => c == '\n') + 1;
        Assert.Equal(1, failed.ExitCode);
        int column = "set colour={{ colour }}".IndexOf("colour }}", StringComparison.Ordinal) + 1;
        Assert.Contains($"{dir.Combine("over", "grub", "grub.cfg.sbn")}:{line}:{column}: The variable or function `colour` was not found", failed.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("broken", "xen-minimal.iso")));
    }

    private static Dictionary<string, string> Keys(string plan) =>
        plan.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 3 && f[0] is "cached" or "to").ToDictionary(f => f[0] == "to" ? f[2] : f[1], f => f[0] == "to" ? f[3] : f[2]);
}
