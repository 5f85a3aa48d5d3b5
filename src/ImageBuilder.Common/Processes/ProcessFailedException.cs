namespace ImageBuilder.Common.Processes;

/// <summary>A process exited non-zero, could not start or timed out: carries the command, exit code and stderr tail.</summary>
public sealed class ProcessFailedException : ImageBuilderException
{
    public ProcessFailedException(ProcessSpec spec, int exitCode, string outputTail, string reason)
        : base(Compose(spec, exitCode, outputTail, reason))
    {
        Spec = spec;
        ExitCode = exitCode;
        OutputTail = outputTail;
    }

    public ProcessSpec Spec { get; }

    public int ExitCode { get; }

    public string OutputTail { get; }

    private static string Compose(ProcessSpec spec, int exitCode, string tail, string reason)
    {
        var lines = new List<string> { $"command failed ({reason}): {spec.Display}" };
        if (exitCode >= 0)
        {
            lines.Add($"exit code: {exitCode}");
        }

        if (spec.LogFile is not null)
        {
            lines.Add($"full log: {spec.LogFile}");
        }

        if (!string.IsNullOrWhiteSpace(tail))
        {
            lines.Add("last output:");
            lines.AddRange(tail.TrimEnd().Split('\n').Select(l => "  | " + l));
        }

        if (spec.Hint is not null)
        {
            lines.Add("hint: " + spec.Hint);
        }

        return string.Join('\n', lines);
    }
}
