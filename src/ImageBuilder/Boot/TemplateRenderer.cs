using ImageBuilder.Common;
using ImageBuilder.Planning;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace ImageBuilder.Boot;

/// <summary>
/// Renders the Scriban templates under templates/. Every <c>{{ value }}</c> is escaped for the file being written
/// (<see cref="ConfigSyntax"/>); <c>{{ text | comment }}</c> writes text for a comment line. Strict: a variable or
/// member the model does not have is an error, as is a syntax error, each reported as TEMPLATE:LINE:COL.
/// The model's members are seen in snake_case (Scriban's convention): KernelArguments is kernel_arguments.
/// </summary>
public static class TemplateRenderer
{
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

    /// <summary>A template as a step input: its content enters the step's key. Its syntax is checked here, before any step runs.</summary>
    public static HostInput Template(string relative)
    {
        string path = Path.Combine(TemplatesDirectory, relative);
        if (!File.Exists(path))
        {
            throw new ImageBuilderException($"template not found: {path}");
        }

        Parse(path);
        return new HostInput(path);
    }

    public static string Render(HostInput template, object model, ConfigSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(model);
        var parsed = Parse(template.Path);
        var globals = new ScriptObject();
        globals.Import(model);
        globals.Import("comment", new Func<string, CommentText>(text => new CommentText(ConfigSyntax.Comment(text))));
        var context = new EscapingContext(syntax)
        {
            StrictVariables = true,
            EnableRelaxedMemberAccess = false,
        };
        context.PushGlobal(globals);
        try
        {
            return parsed.Render(context);
        }
        catch (ScriptRuntimeException e)
        {
            throw new TemplateException($"{Located(e.Span)}: {e.OriginalMessage}", e);
        }
    }

    private static Template Parse(string path)
    {
        var parsed = Scriban.Template.Parse(File.ReadAllText(path), path);
        return parsed.HasErrors
            ? throw new TemplateException(string.Join("\n", parsed.Messages.Select(m => $"{Located(m.Span)}: {m.Message}")))
            : parsed;
    }

    /// <summary>TEMPLATE:LINE:COL, counted from 1 (Scriban counts from 0).</summary>
    private static string Located(SourceSpan span) => $"{span.FileName}:{span.Start.Line + 1}:{span.Start.Column + 1}";

    /// <summary>Text the comment function checked: written as it is.</summary>
    private sealed record CommentText(string Text);

    /// <summary>Writes every value a template prints through the target file's escaping.</summary>
    private sealed class EscapingContext(ConfigSyntax syntax) : TemplateContext
    {
        public override TemplateContext Write(SourceSpan span, object? textAsObject) => textAsObject switch
        {
            null => this,
            CommentText comment => Write(comment.Text),
            _ => Write(syntax.Escape(ObjectToString(textAsObject) ?? string.Empty)),
        };
    }
}

/// <summary>A template that does not parse, or names what its model does not have; located as TEMPLATE:LINE:COL.</summary>
public sealed class TemplateException(string message, Exception? inner = null) : ImageBuilderException(message, inner!);
