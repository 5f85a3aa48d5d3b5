using ImageBuilder.Boot;

namespace ImageBuilder.Recipes;

/// <summary>
/// What the recipe's free-text values may hold, by where they end up. Each check returns null when the value is fine,
/// else what is wrong with it; the loader reports that at the value's location.
/// </summary>
internal static class ValueRules
{
    /// <summary>Xen truncates each option of its command line to 127 characters without a word.</summary>
    public const int XenOptionLength = 127;

    /// <summary>
    /// A Dom0 kernel or Xen command line: words of printable ASCII between spaces. GRUB's linux and multiboot2 commands
    /// put a backslash before every quote and backslash of an argument, and neither Xen nor Linux reads that back; Xen
    /// has no quoting at all; xen.efi's configuration ends a value at '#'. So these cannot reach the kernel as written.
    /// </summary>
    public static string? BootCommandLine(string value)
    {
        if (Control(value) is { } control)
        {
            return control;
        }

        foreach (char c in value)
        {
            if (c is < ' ' or > '~')
            {
                return $"'{Shown(c)}' is not printable ASCII; command lines are words of printable ASCII separated by spaces";
            }

            if (c is '"' or '\'' or '\\' or '#')
            {
                return $"'{c}' cannot reach the kernel unchanged (GRUB escapes quotes and backslashes, Xen reads no quotes, xen.efi's configuration ends a value at '#')";
            }
        }

        return null;
    }

    /// <summary>A Xen command line: as <see cref="BootCommandLine"/>, and no option longer than Xen reads.</summary>
    public static string? XenCommandLine(string value)
    {
        if (BootCommandLine(value) is { } problem)
        {
            return problem;
        }

        string? longWord = BootMenus.Words(value).FirstOrDefault(w => w.Length > XenOptionLength);
        return longWord is null ? null : $"'{longWord[..20]}...' is {longWord.Length} characters; Xen cuts each option at {XenOptionLength}";
    }

    /// <summary>The value of one Xen option: a single word of a Xen command line.</summary>
    public static string? XenOptionValue(string value) =>
        value.Contains(' ', StringComparison.Ordinal) ? "a Xen option value is one word (no spaces)" : XenCommandLine(value);

    /// <summary>
    /// A guest's kernel command line: printable ASCII. It is written into a double-quoted xl string (quotes and
    /// backslashes escaped) and read by Linux, which understands "..." around spaces.
    /// </summary>
    public static string? GuestCommandLine(string value)
    {
        if (Control(value) is { } control)
        {
            return control;
        }

        char bad = value.FirstOrDefault(c => c is < ' ' or > '~');
        return bad == default ? null : $"'{Shown(bad)}' is not printable ASCII";
    }

    /// <summary>Text shown to people (menu titles): anything but control characters, which would start another line or command.</summary>
    public static string? Text(string value) => value.Length == 0 ? "must not be empty" : Control(value);

    /// <summary>A URL or path written into apt's sources lines, where blanks separate fields.</summary>
    public static string? SourcesField(string value)
    {
        if (Control(value) is { } control)
        {
            return control;
        }

        return value.Any(c => c == ' ' || c == ']' || c > '~') ? "must not hold spaces, ']' or non-ASCII characters (it is written into apt's sources lines)" : null;
    }

    private static string? Control(string value) =>
        ConfigSyntax.FirstControl(value) is { } at
            ? $"holds a control character (U+{(int)value[at]:X4}{(value[at] == '\n' ? ", a line break" : string.Empty)}); it would end a line of the file it is written into"
            : null;

    private static string Shown(char c) => char.IsControl(c) ? $"U+{(int)c:X4}" : c.ToString();
}
