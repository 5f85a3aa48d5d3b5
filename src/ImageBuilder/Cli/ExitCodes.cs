namespace ImageBuilder.Cli;

/// <summary>The exit-code contract (shared/DESIGN.md).</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageOrRecipe = 2;
}
