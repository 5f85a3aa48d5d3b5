namespace ImageBuilder.Planning;

/// <summary>
/// What a running step may use besides its parameters: its (temporary) output directory, its log file and the outputs
/// of the steps it depends on.
/// </summary>
public sealed class StepContext(string outputDirectory, string logFile, IReadOnlyDictionary<string, string> outputsById)
{
    public string OutputDirectory { get; } = outputDirectory;

    /// <summary>Where long-running tools write; the error of a failed step names this file.</summary>
    public string LogFile { get; } = logFile;

    public string OutputOf(Step step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return outputsById.TryGetValue(step.Id, out string? dir)
            ? dir
            : throw new InvalidOperationException($"step output of '{step.Id}' requested before it ran");
    }

    public string Output(params string[] parts) => Path.Combine([OutputDirectory, .. parts]);
}
