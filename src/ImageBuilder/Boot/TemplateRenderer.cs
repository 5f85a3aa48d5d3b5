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
    private const string CommentFunction = "comment";

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

    /// <summary>The built-in templates, by their path below <see cref="TemplatesDirectory"/> ('/'-separated).</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            string root = TemplatesDirectory;
            return [.. Directory.GetFiles(root, "*.sbn", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
                .Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// A template as a step input: its content enters the step's key. A file of the same relative path in
    /// <paramref name="overrides"/> (the recipe's templates folder) replaces the built-in one. Its syntax is checked
    /// here, before any step runs.
    /// </summary>
    public static HostInput Template(string relative, string? overrides = null)
    {
        string path = overrides is not null && File.Exists(Path.Combine(overrides, relative)) ? Path.Combine(overrides, relative) : Path.Combine(TemplatesDirectory, relative);
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
        if (globals.ContainsKey(CommentFunction))
        {
            throw new InvalidOperationException($"a template model may not have a member named {CommentFunction}: {model.GetType().Name}");
        }

        globals.Import(CommentFunction, new Func<string?, CommentText>(text => new CommentText(ConfigSyntax.Comment(text ?? throw new ImageBuilderException("comment of a value that is null")))));
        var context = new EscapingContext(syntax);
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

    /// <summary>The template's syntax errors, each at its line and column (from 1).</summary>
    public static IReadOnlyList<(int Line, int Column, string Message)> SyntaxErrors(string path) =>
        [.. Errors(Scriban.Template.Parse(File.ReadAllText(path), path)).Select(m => (m.Span.Start.Line + 1, m.Span.Start.Column + 1, m.Message))];

    private static Template Parse(string path)
    {
        var parsed = Scriban.Template.Parse(File.ReadAllText(path), path);
        return parsed.HasErrors
            ? throw new TemplateException(string.Join("\n", Errors(parsed).Select(m => $"{Located(m.Span)}: {m.Message}")))
            : parsed;
    }

    private static IEnumerable<LogMessage> Errors(Template parsed) => parsed.Messages.Where(m => m.Type == ParserMessageType.Error);

    /// <summary>TEMPLATE:LINE:COL, counted from 1 (Scriban counts from 0).</summary>
    private static string Located(SourceSpan span) => $"{span.FileName}:{span.Start.Line + 1}:{span.Start.Column + 1}";

    /// <summary>Text the comment function checked: written as it is.</summary>
    private sealed record CommentText(string Text);

    /// <summary>
    /// Writes every value a template prints through the target file's escaping. A printed value must be one value:
    /// null (which Scriban would skip, leaving an empty string or a missing GRUB word) and lists or records (which
    /// would print as one word) are errors, as is comment text outside a comment line. Errors point at the
    /// <c>{{ value }}</c> being printed, not at the block around it.
    /// </summary>
    private sealed class EscapingContext : TemplateContext
    {
        private readonly ConfigSyntax syntax;
        private SourceSpan printing;

        public EscapingContext(ConfigSyntax syntax)
        {
            this.syntax = syntax;
            StrictVariables = true;
            EnableRelaxedMemberAccess = false;

            // Scriban cuts long strings and output with "..." by default.
            LimitToString = 0;
            OnStringLimit = ScriptLimitBehavior.Throw;
            OnOutputLimit = ScriptLimitBehavior.Throw;
        }

        public override object? Evaluate(ScriptNode? scriptNode, bool aliasReturnedFunction)
        {
            object? value = base.Evaluate(scriptNode, aliasReturnedFunction);
            if (scriptNode?.Parent is ScriptExpressionStatement statement && ReferenceEquals(statement.Expression, scriptNode) && scriptNode is not ScriptAssignExpression)
            {
                printing = scriptNode.Span;
                switch (value)
                {
                    case null:
                        throw new ScriptRuntimeException(scriptNode.Span, "the value is null, and printing it would write nothing (test it with if)");
                    case string or CommentText:
                        break;
                    case System.Collections.IEnumerable or not IConvertible:
                        throw new ScriptRuntimeException(scriptNode.Span, $"the value is a {value.GetType().Name}, not one value: print its items in a for loop");
                }
            }

            return value;
        }

        public override TemplateContext Write(SourceSpan span, object? textAsObject)
        {
            try
            {
                return textAsObject switch
                {
                    null => this,
                    CommentText comment when OnCommentLine() => Write(comment.Text),
                    CommentText => throw new ScriptRuntimeException(printing, "comment text is written as it is, so only on a comment line (after '#')"),
                    _ => Write(syntax.Escape(ObjectToString(textAsObject) ?? string.Empty)),
                };
            }
            catch (ImageBuilderException e)
            {
                throw new ScriptRuntimeException(printing, e.Message, e);
            }
        }

        private bool OnCommentLine()
        {
            var written = ((StringBuilderOutput)Output).Builder;
            int start = written.Length;
            while (start > 0 && written[start - 1] != '\n')
            {
                start--;
            }

            return written.ToString(start, written.Length - start).TrimStart().StartsWith('#');
        }
    }
}

/// <summary>A template that does not parse, names what its model does not have or prints what its place cannot hold; located as TEMPLATE:LINE:COL.</summary>
public sealed class TemplateException(string message, Exception? inner = null) : ImageBuilderException(message, inner!);
