using HandlebarsDotNet;
using ImageBuilder.Common;

namespace ImageBuilder.Boot;

/// <summary>
/// Renders the Handlebars templates under templates/. Output is configuration text, never HTML, so nothing is
/// escaped; a missing value is an error rather than an empty string.
/// </summary>
public static class TemplateRenderer
{
    private static readonly IHandlebars Engine = Handlebars.Create(new HandlebarsConfiguration
    {
        NoEscape = true,
        ThrowOnUnresolvedBindingExpression = true,
    });

    /// <summary>The templates folder: copied next to the program, or found above the working directory.</summary>
    public static string TemplatesDirectory
    {
        get
        {
            string beside = Path.Combine(AppContext.BaseDirectory, "templates");
            if (Directory.Exists(beside))
            {
                return beside;
            }

            for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "templates");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new ImageBuilderException("templates folder not found beside the program or above the working directory");
        }
    }

    public static string PathOf(string relative)
    {
        string path = Path.Combine(TemplatesDirectory, relative);
        return File.Exists(path) ? path : throw new ImageBuilderException($"template not found: {path}");
    }

    public static string Render(string templatePath, object model)
    {
        string text = File.ReadAllText(templatePath);
        try
        {
            return Engine.Compile(text)(model);
        }
        catch (HandlebarsException e)
        {
            throw new ImageBuilderException($"{templatePath}: {e.Message}", e);
        }
    }
}
