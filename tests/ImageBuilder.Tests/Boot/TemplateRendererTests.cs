using ImageBuilder.Boot;
using ImageBuilder.Planning;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Boot;

/// <summary>
/// Scriban templates are strict: a name the model lacks, or a syntax error, is an error located as TEMPLATE:LINE:COL
/// (lines and columns counted from 1, as editors show them), and every printed value is escaped unless it went
/// through <c>comment</c>.
/// </summary>
public sealed class TemplateRendererTests
{
    private sealed record Model(string Title, string[] Words, string? Kernel = null);

    private static readonly Model Sample = new("it's", ["a b", "plain"]);

    [Fact]
    public void A_variable_the_model_does_not_have_is_an_error_at_its_line_and_column()
    {
        string error = ErrorOf("title {{ title }}\nx = {{ tilte }}\n");

        Assert.StartsWith("TEMPLATE:2:8: ", error, StringComparison.Ordinal);
        Assert.Contains("tilte", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_member_the_model_does_not_have_is_an_error_too()
    {
        string error = ErrorOf("{{ title }}\n{{ title.nope }}\n");

        Assert.StartsWith("TEMPLATE:2:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_syntax_error_is_reported_with_its_place_before_anything_renders()
    {
        string error = ErrorOf("line one\n  {{ if }}\n");

        Assert.StartsWith("TEMPLATE:2:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_are_escaped_for_the_file_and_comment_text_is_written_as_it_is()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("t.cfg.sbn", "# {{ title | comment }}\nmenuentry {{ title }}{{ for w in words }} {{ w }}{{ end }}\n");

        string text = TemplateRenderer.Render(new HostInput(path), Sample, ConfigSyntax.Grub);

        // GRUB's single quotes take everything literally; a quote itself is closed, escaped and reopened (grub.cfg's
        // quoting rules in GRUB's manual, "Shell-like scripting").
        Assert.Equal("# it's\nmenuentry 'it'\\''s' 'a b' plain\n", text);
    }

    [Theory]
    [InlineData("kernel = \"{{ kernel }}\"", 14)] // null: would write kernel = ""
    [InlineData("words {{ words }}", 10)] // a list: would be one word
    [InlineData("menuentry {{ title | comment }}", 14)] // raw text outside a comment line
    public void A_printed_value_that_is_not_one_value_for_its_place_is_an_error_where_it_is_printed(string line, int column)
    {
        string error = ErrorOf("# first\n" + line + "\n");

        Assert.StartsWith($"TEMPLATE:2:{column}: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_its_file_cannot_hold_is_refused_at_the_place_it_is_printed_inside_a_loop()
    {
        string error = ErrorOf("{{ for w in words }}\nword {{ w }}\n{{ end }}\n", Sample with { Words = ["ok", "line\nbreak"] });

        Assert.StartsWith("TEMPLATE:2:9: ", error, StringComparison.Ordinal);
        Assert.Contains("U+000A", error, StringComparison.Ordinal);
    }

    /// <summary>The error rendering <paramref name="template"/> gives, the template file's path written as TEMPLATE.</summary>
    private static string ErrorOf(string template, Model? model = null)
    {
        using var dir = new TempDirectory();
        string path = dir.Write("t.cfg.sbn", template);
        var error = Assert.Throws<TemplateException>(() => TemplateRenderer.Render(new HostInput(path), model ?? Sample, ConfigSyntax.Grub));
        return error.Message.Replace(path, "TEMPLATE", StringComparison.Ordinal);
    }
}
