namespace ImageBuilder.Recipes;

/// <summary>
/// A located recipe mistake, printed as FILE:LINE:COL: message. Messages quote the recipe's values; control characters
/// in them are shown as \uXXXX, so a value cannot move the cursor or recolour the terminal that prints it.
/// </summary>
public sealed record Diagnostic(string File, int Line, int Column, string Message)
{
    public override string ToString() => Printable($"{File}:{Line}:{Column}: {Message}");

    private static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var shown = new System.Text.StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            shown.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return shown.ToString();
    }
}
