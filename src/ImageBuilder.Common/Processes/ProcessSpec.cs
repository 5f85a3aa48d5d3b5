using System.Collections.Immutable;

namespace ImageBuilder.Common.Processes;

/// <summary>
/// An immutable description of one process: program, argument list (never a shell string), environment
/// additions and working directory. <see cref="LogFile"/>, when set, receives stdout and stderr as they come.
/// </summary>
public sealed record ProcessSpec(string Program, ImmutableArray<string> Arguments)
{
    public ImmutableDictionary<string, string> Environment { get; init; } = ImmutableDictionary<string, string>.Empty;

    public string? WorkingDirectory { get; init; }

    public string? LogFile { get; init; }

    public TimeSpan? Timeout { get; init; }

    /// <summary>A file fed to the process's standard input (otherwise stdin is closed at once).</summary>
    public string? StandardInputFile { get; init; }

    /// <summary>Said after the failure message, e.g. which package provides the program.</summary>
    public string? Hint { get; init; }

    public static ProcessSpec Of(string program, params IEnumerable<string> arguments) => new(program, [.. arguments]);

    public ProcessSpec WithArguments(params IEnumerable<string> more) => this with { Arguments = Arguments.AddRange(more) };

    public ProcessSpec WithEnvironment(string name, string value) => this with { Environment = Environment.SetItem(name, value) };

    public ProcessSpec In(string workingDirectory) => this with { WorkingDirectory = workingDirectory };

    public ProcessSpec LoggingTo(string logFile) => this with { LogFile = logFile };

    /// <summary>How a person would type it; for messages only, never executed.</summary>
    public string Display => string.Join(' ', new[] { Program }.Concat(Arguments).Select(Quote));

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "-_./=:,+@%".Contains(c, StringComparison.Ordinal)) ? s : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
