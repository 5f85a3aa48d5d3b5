namespace ImageBuilder.Recipes;

/// <summary>A located recipe mistake, printed as FILE:LINE:COL: message.</summary>
public sealed record Diagnostic(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
