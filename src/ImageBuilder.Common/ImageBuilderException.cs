namespace ImageBuilder.Common;

/// <summary>
/// The root of every failure the project reports to a user. Its message is the whole story; the CLI prints
/// it without a stack trace. Recipe mistakes are diagnostics (data), not exceptions.
/// </summary>
public class ImageBuilderException : Exception
{
    public ImageBuilderException()
    {
    }

    public ImageBuilderException(string message)
        : base(message)
    {
    }

    public ImageBuilderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What the user can do about it, printed after the message.</summary>
    public string? Hint { get; init; }
}
