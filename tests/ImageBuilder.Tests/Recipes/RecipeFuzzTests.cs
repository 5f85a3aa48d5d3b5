using System.Diagnostics;
using System.Globalization;
using System.Text;
using ImageBuilder.Boot;
using ImageBuilder.Planning;
using ImageBuilder.Recipes;
using ImageBuilder.Steps;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Recipes;

/// <summary>
/// Random mutations of the shipped recipes, thousands per run in a bounded time. The loader never throws and never
/// reports outside the file; a recipe it accepts renders every configuration file without a value the file cannot
/// hold; and the real command answers a refused recipe with exit 2, located messages, no trace and no file written.
/// Set IMAGEBUILDER_FUZZ_SEED to replay a run; a failure names its seed and mutation.
/// </summary>
public sealed class RecipeFuzzTests
{
    private const int Mutations = 4000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private static readonly string[] ShippedRecipes = ["xen-demo", "xen-minimal", "xen-source"];

    private static readonly string[] Fragments =
    [
        "[", "]", "{", "}", ":", ": ", "- ", "\t", "\"", "'", "&a ", "*a", "!!binary ", "---\n", "...\n", "#", "|", ">-",
        "%YAML 1.2\n", "\n", "\r\n", "\0", "\u2028", "\u00e9", "${x}", "'; echo pwned #", "\\", "? ", ",", "@", "`",
        new string('[', 200), new string('{', 70), "&a [*a]", "<<: *a", "~", "null", "-1", "99999999999999999999", "0x10",
        "\"a\\nb\"", "\"\\u0000\"", "'it''s'", new string('a', 5000), "\ufeff",
    ];

    private static readonly string[] Scalars =
    [
        "\"\"", "\"x\\ny\"", "\"x\\r\"", "\"a\\u0085b\"", "[]", "{}", "[a, b]", "{a: 1}", "true", "-5", "1e9", "\"$(reboot)\"",
        "\"console=hvc0 # x\"", "\"it's\"", "\"a\\\\b\"", "\"é\"", "~", "&x 1", "*x", "!!str 1", "\"a b c\"", "\"--x=\\n\"",
    ];

    [Fact]
    [Trait("Category", "Slow")]
    public void Mutated_recipes_are_loaded_or_refused_with_located_diagnostics_and_accepted_ones_render()
    {
        int seed = Seed();
        var random = new Random(seed);
        using var dir = new TempDirectory("ib-fuzz");
        var recipes = Seeds(dir);
        var watch = Stopwatch.StartNew();
        int runs = 0, accepted = 0;
        for (; runs < Mutations && watch.Elapsed < Budget; runs++)
        {
            var (name, text) = recipes[random.Next(recipes.Count)];
            string mutation = Mutate(text, random, out string how);
            string path = Path.Combine(dir.Path, $"{name}-{runs}.yaml");
            File.WriteAllText(path, mutation);
            string context = $"seed {seed}, run {runs}, {how}";
            RecipeLoadResult result;
            try
            {
                result = RecipeLoader.Load(path);
            }
            catch (Exception e)
            {
                Assert.Fail($"{context}: the loader threw {e}\n--- recipe ---\n{mutation}");
                throw;
            }

            int lines = mutation.Count(c => c == '\n') + 2;
            foreach (var diagnostic in result.Diagnostics)
            {
                Assert.True(diagnostic.Line >= 1 && diagnostic.Line <= lines && diagnostic.Column >= 1, $"{context}: {diagnostic} lies outside the file");
                Assert.False(string.IsNullOrWhiteSpace(diagnostic.Message), $"{context}: empty message");
                Assert.DoesNotContain(": : ", diagnostic.ToString(), StringComparison.Ordinal);
            }

            if (result.Succeeded)
            {
                accepted++;
                RenderEverything(result.Recipe!, context);
            }
            else
            {
                Assert.True(result.Diagnostics.Length > 0, $"{context}: refused without a diagnostic\n--- recipe ---\n{mutation}");
            }

            File.Delete(path);
        }

        Assert.True(runs >= 500, $"only {runs} mutations in {Budget}");
        Assert.True(accepted > 0 && accepted < runs, $"{accepted} of {runs} accepted: the mutations do not exercise both paths");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void The_command_refuses_mutated_recipes_with_exit_2_no_trace_and_nothing_written()
    {
        int seed = Seed() + 1;
        var random = new Random(seed);
        using var dir = new TempDirectory("ib-fuzz-cli");
        var recipes = Seeds(dir);
        var refused = new List<(string Path, string How)>();
        for (int i = 0; refused.Count < 40 && i < 2000; i++)
        {
            var (name, text) = recipes[random.Next(recipes.Count)];
            string mutation = Mutate(text, random, out string how);
            string path = dir.Write($"cli-{name}-{i}.yaml", mutation);
            if (!RecipeLoader.Load(path).Succeeded)
            {
                refused.Add((path, how));
            }
        }

        Parallel.ForEach(refused, new ParallelOptions { MaxDegreeOfParallelism = 2 }, item =>
        {
            string output = item.Path + ".out";
            string cache = item.Path + ".cache";
            var result = ImageBuilderCli.Run("build", item.Path, "--output", output, "--cache", cache);
            string context = $"seed {seed}, {item.How}: exit {result.ExitCode}\n{result.StandardError}";
            Assert.True(result.ExitCode == 2, context);
            Assert.Matches($@"(?m)^{System.Text.RegularExpressions.Regex.Escape(item.Path)}:\d+:\d+: ", result.StandardError);
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
            Assert.False(Directory.Exists(output) || Directory.Exists(cache), context + "\nsomething was written");
        });
    }

    private static int Seed() =>
        int.TryParse(Environment.GetEnvironmentVariable("IMAGEBUILDER_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed) ? seed : 20261123;

    /// <summary>The shipped recipes, with their overlay paths made absolute so that copies elsewhere stay valid.</summary>
    private static List<(string Name, string Text)> Seeds(TempDirectory dir) =>
        [.. ShippedRecipes.Select(name =>
            (name, File.ReadAllText(RecipeVariant.Write(dir, Repository.PathOf($"recipes/{name}.yaml"), $"{name}.seed.yaml"))))];

    private static string Mutate(string text, Random random, out string how)
    {
        var lines = text.Split('\n').ToList();
        var steps = new List<string>();
        int count = 1 + random.Next(3);
        for (int i = 0; i < count; i++)
        {
            if (lines.Count == 0)
            {
                lines.Add(string.Empty);
            }

            int line = random.Next(lines.Count);
            switch (random.Next(7))
            {
                case 0:
                    steps.Add($"delete line {line + 1}");
                    lines.RemoveAt(line);
                    break;
                case 1:
                    steps.Add($"duplicate line {line + 1}");
                    lines.Insert(line, lines[line]);
                    break;
                case 2:
                    int other = random.Next(lines.Count);
                    steps.Add($"swap lines {line + 1} and {other + 1}");
                    (lines[line], lines[other]) = (lines[other], lines[line]);
                    break;
                case 3:
                    string fragment = Fragments[random.Next(Fragments.Length)];
                    int at = random.Next(lines[line].Length + 1);
                    steps.Add($"insert {Shown(fragment)} at {line + 1}:{at + 1}");
                    lines[line] = lines[line].Insert(at, fragment);
                    break;
                case 4:
                    int colon = lines[line].IndexOf(": ", StringComparison.Ordinal);
                    if (colon > 0)
                    {
                        string scalar = Scalars[random.Next(Scalars.Length)];
                        steps.Add($"set line {line + 1} to {Shown(scalar)}");
                        lines[line] = lines[line][..(colon + 2)] + scalar;
                    }

                    break;
                case 5:
                    if (lines[line].Length > 0)
                    {
                        int position = random.Next(lines[line].Length);
                        char replacement = (char)random.Next(1, 0x250);
                        steps.Add($"replace {line + 1}:{position + 1} by U+{(int)replacement:X4}");
                        lines[line] = lines[line][..position] + replacement + lines[line][(position + 1)..];
                    }

                    break;
                default:
                    steps.Add($"cut after line {line + 1}");
                    lines.RemoveRange(line, lines.Count - line);
                    lines.Add(string.Empty);
                    break;
            }
        }

        how = string.Join("; ", steps);
        return string.Join('\n', lines);
    }

    /// <summary>Every rendered file of an accepted recipe: a value a syntax cannot hold would throw here.</summary>
    private static void RenderEverything(Recipe recipe, string context)
    {
        try
        {
            TemplateRenderer.Render(TemplateRenderer.Template(BootConfigStep.GrubTemplate), BootMenus.Grub(recipe), ConfigSyntax.Grub);
            if (recipe.Boot.Entries.Any(e => e.Type == BootEntryType.Xen))
            {
                TemplateRenderer.Render(TemplateRenderer.Template(EspStep.XenCfgTemplate), BootMenus.XenEfi(recipe, Guid.Empty.ToString("D")), ConfigSyntax.XenEfi);
            }

            foreach (var guest in recipe.Guests)
            {
                TemplateRenderer.Render(TemplateRenderer.Template(GuestsImageStep.Template), BuildSteps.XlGuest(guest, recipe), ConfigSyntax.Xl);
            }
        }
        catch (Exception e)
        {
            Assert.Fail($"{context}: an accepted recipe does not render: {e.Message}");
        }
    }

    private static string Shown(string text)
    {
        var shown = new StringBuilder();
        foreach (char c in text.Length > 24 ? text[..24] + "…" : text)
        {
            shown.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return $"'{shown}'";
    }
}
