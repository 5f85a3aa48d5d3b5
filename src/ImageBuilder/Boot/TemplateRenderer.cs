using System.Collections.Concurrent;
using HandlebarsDotNet;
using ImageBuilder.Common;
using ImageBuilder.Planning;

namespace ImageBuilder.Boot;

/// <summary>
/// Renders the Handlebars templates under templates/. Every <c>{{value}}</c> is escaped for the file being written
/// (<see cref="ConfigSyntax"/>); a missing value is an error rather than an empty string.
/// </summary>
public static class TemplateRenderer
{
    private static readonly ConcurrentDictionary<ConfigSyntax, IHandlebars> Engines = new();

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

    /// <summary>A template as a step input: its content enters the step's key.</summary>
    public static HostInput Template(string relative)
    {
        string path = Path.Combine(TemplatesDirectory, relative);
        return File.Exists(path) ? new HostInput(path) : throw new ImageBuilderException($"template not found: {path}");
    }

    public static string Render(HostInput template, object model, ConfigSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(template);
        string text = File.ReadAllText(template.Path);
        try
        {
            return Engines.GetOrAdd(syntax, Create).Compile(text)(model);
        }
        catch (HandlebarsException e)
        {
            throw new ImageBuilderException($"{template.Path}: {e.Message}", e);
        }
    }

    private static IHandlebars Create(ConfigSyntax syntax)
    {
        var engine = Handlebars.Create(new HandlebarsConfiguration
        {
            TextEncoder = new SyntaxEncoder(syntax),
            ThrowOnUnresolvedBindingExpression = true,
        });

        // {{comment value}}: text in a comment line, which ends only at a line break.
        engine.RegisterHelper("comment", (EncodedTextWriter output, Context context, Arguments arguments) =>
            output.WriteSafeString(ConfigSyntax.Comment(arguments.Length == 1 ? arguments[0]?.ToString() ?? string.Empty : throw new HandlebarsException("comment takes one value"))));
        return engine;
    }

    /// <summary>Handlebars' hook for <c>{{value}}</c>: the target file's escaping instead of HTML's.</summary>
    private sealed class SyntaxEncoder(ConfigSyntax syntax) : ITextEncoder
    {
        public void Encode(System.Text.StringBuilder? text, TextWriter target) => target.Write(syntax.Escape(text?.ToString() ?? string.Empty));

        public void Encode(string? text, TextWriter target) => target.Write(syntax.Escape(text ?? string.Empty));

        public void Encode<T>(T? text, TextWriter target)
            where T : IEnumerator<char>
        {
            var value = new System.Text.StringBuilder();
            while (text is not null && text.MoveNext())
            {
                value.Append(text.Current);
            }

            target.Write(syntax.Escape(value.ToString()));
        }
    }
}
