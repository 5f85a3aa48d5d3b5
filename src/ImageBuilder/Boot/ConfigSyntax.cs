using System.Text;
using ImageBuilder.Common;

namespace ImageBuilder.Boot;

/// <summary>
/// How a value is written into one kind of rendered file so that it stays one value: the escaping every template applies
/// to every <c>{{ value }}</c> by default (only <c>{{ text | comment }}</c> is written as it is, on a comment line). A value the
/// syntax cannot hold at all (a control character: a line break would start a new command or setting) is refused here
/// as a last line of defence; the recipe loader reports such values first, located.
/// </summary>
public abstract class ConfigSyntax
{
    /// <summary>grub.cfg and the cores' early.cfg: each value becomes exactly one GRUB word.</summary>
    public static readonly ConfigSyntax Grub = new GrubWord();

    /// <summary>xl guest configuration: values sit inside double-quoted xl strings.</summary>
    public static readonly ConfigSyntax Xl = new XlString();

    /// <summary>xen.efi's configuration: "key=value" lines and "# comments", with no escape syntax at all.</summary>
    public static readonly ConfigSyntax XenEfi = new XenEfiLine();

    public abstract string Name { get; }

    public string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (FirstControl(value) is { } at)
        {
            throw new ImageBuilderException($"{Name}: a value holds the control character U+{(int)value[at]:X4}, which this file cannot hold: '{Printable(value)}'");
        }

        return EscapeChecked(value);
    }

    /// <summary>The index of the first control character (C0, DEL, C1, or a Unicode line/paragraph separator), or null.</summary>
    public static int? FirstControl(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (int i = 0; i < value.Length; i++)
        {
            if (char.IsControl(value[i]) || value[i] is '\u2028' or '\u2029')
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>Text for a comment line of any of these files: written as it is, up to the end of the line it cannot leave.</summary>
    public static string Comment(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return FirstControl(value) is { } at
            ? throw new ImageBuilderException($"a comment would hold the control character U+{(int)value[at]:X4}: '{Printable(value)}'")
            : value;
    }

    protected abstract string EscapeChecked(string value);

    private static string Printable(string value)
    {
        var text = new StringBuilder();
        foreach (char c in value)
        {
            text.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return text.ToString();
    }

    /// <summary>
    /// GRUB's lexer splits words at blanks and gives meaning to quotes, backslashes, '$', ';', '|', '&amp;', '&lt;', '&gt;', '{', '}',
    /// '(', ')' and '#'. A value made only of plain characters is written as it is; any other value is single-quoted,
    /// where GRUB takes everything literally (a quote itself is closed, escaped and reopened: '\'').
    /// </summary>
    private sealed class GrubWord : ConfigSyntax
    {
        public override string Name => "grub.cfg";

        protected override string EscapeChecked(string value) =>
            value.Length > 0 && value.All(IsPlain) ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

        private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/' or ':' or '=' or ',' or '+' or '@' or '%' or '-';
    }

    /// <summary>In an xl string a backslash escapes the next character; quotes and backslashes are escaped.</summary>
    private sealed class XlString : ConfigSyntax
    {
        public override string Name => "xl configuration";

        protected override string EscapeChecked(string value) =>
            value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
    }

    /// <summary>
    /// A value runs to the end of its line and a '#' anywhere starts a comment; there is no escape, so a value holding '#'
    /// is refused (the recipe loader keeps it out of boot command lines).
    /// </summary>
    private sealed class XenEfiLine : ConfigSyntax
    {
        public override string Name => "xen.efi configuration";

        protected override string EscapeChecked(string value) =>
            value.Contains('#', StringComparison.Ordinal) ? throw new ImageBuilderException($"{Name}: '{value}' holds '#', which xen.efi reads as the start of a comment") : value;
    }
}
