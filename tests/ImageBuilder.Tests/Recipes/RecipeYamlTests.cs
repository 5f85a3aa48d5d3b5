using ImageBuilder.Recipes;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Recipes;

/// <summary>Whatever the YAML, the loader answers with located diagnostics: no exception, no crash, no empty section names.</summary>
public sealed class RecipeYamlTests
{
    private static Diagnostic Only(string text)
    {
        using var dir = new TempDirectory();
        string path = dir.Write("recipe.yaml", text);
        var result = RecipeLoader.Load(path);
        Assert.False(result.Succeeded);
        return Assert.Single(result.Diagnostics);
    }

    [Fact]
    public void An_unclosed_flow_sequence_followed_by_more_lines_is_reported_at_its_bracket()
    {
        var diagnostic = Only("name: x\narchive:\n  suite: bookworm\n  components: [main\n  updates: true\nboot: {}\n");

        Assert.Equal((4, 15), (diagnostic.Line, diagnostic.Column));
        Assert.Equal("YAML syntax: this '[' is never closed by ']'", diagnostic.Message);
    }

    [Fact]
    public void An_unclosed_flow_mapping_is_reported_at_its_brace()
    {
        var diagnostic = Only("name: x\nboot: { timeout: 3\nepoch: 1\n");

        Assert.Equal((2, 7), (diagnostic.Line, diagnostic.Column));
        Assert.Equal("YAML syntax: this '{' is never closed by '}'", diagnostic.Message);
    }

    [Fact]
    public void Deep_nesting_is_refused_at_the_level_past_the_bound_without_overflowing_the_stack()
    {
        var diagnostic = Only("name: " + new string('[', 50_000) + "\n");

        Assert.Equal(1, diagnostic.Line);
        Assert.Equal("name: ".Length + RecipeDocument.MaxDepth, diagnostic.Column); // the recipe's mapping is the first level
        Assert.Equal($"nested deeper than {RecipeDocument.MaxDepth} levels", diagnostic.Message);
    }

    [Fact]
    public void A_tab_in_indentation_is_reported_on_its_own_line()
    {
        var diagnostic = Only("name: x\narchive:\n  suite: bookworm\n\tupdates: true\n");

        Assert.Equal((4, 1), (diagnostic.Line, diagnostic.Column));
        Assert.Equal("YAML syntax: a tab in indentation; YAML indents with spaces only", diagnostic.Message);
    }

    [Fact]
    public void A_second_document_is_reported_where_it_starts()
    {
        var diagnostic = Only("name: x\nepoch: 1\n---\nname: y\n");

        Assert.Equal((3, 1), (diagnostic.Line, diagnostic.Column));
        Assert.Equal("a second YAML document starts here; a recipe is one document", diagnostic.Message);
    }

    [Theory]
    [InlineData("- a\n- b\n")]
    [InlineData("just text\n")]
    public void A_document_that_is_not_a_mapping_is_named_as_the_recipe(string text)
    {
        var diagnostic = Only(text);

        Assert.Equal((1, 1), (diagnostic.Line, diagnostic.Column));
        Assert.Equal("a recipe is a mapping of keys to values (name: ..., archive: ..., ...)", diagnostic.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    public void An_empty_file_is_reported(string text) =>
        Assert.Equal("the recipe is empty", Only(text).Message);

    [Fact]
    public void An_alias_to_a_missing_anchor_is_located()
    {
        var diagnostic = Only("name: x\nepoch: *nowhere\n");

        Assert.Equal(2, diagnostic.Line);
        Assert.StartsWith("YAML", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_or_a_huge_file_is_not_read_as_a_recipe()
    {
        using var dir = new TempDirectory();
        string huge = dir.Write("huge.yaml", "name: x\n# " + new string('x', (int)RecipeDocument.MaxBytes) + "\n");

        Assert.Equal("this is a folder, not a recipe file", Assert.Single(RecipeLoader.Load(dir.Path).Diagnostics).Message);
        Assert.StartsWith("the file is ", Assert.Single(RecipeLoader.Load(huge).Diagnostics).Message, StringComparison.Ordinal);
    }
}
