using ImageBuilder.Common.Processes;

namespace ImageBuilder.TestSupport;

/// <summary>Runs an independent tool (xorriso, cpio, isoinfo, ...) for a test and returns its output.</summary>
public static class Tool
{
    public static string Run(string program, params string[] arguments) =>
        ProcessRunner.Run(ProcessSpec.Of(program, arguments)).StandardOutput;

    public static string RunIn(string directory, string program, params string[] arguments) =>
        ProcessRunner.Run(ProcessSpec.Of(program, arguments).In(directory)).StandardOutput;

    public static ProcessResult RunUnchecked(string program, params string[] arguments) =>
        ProcessRunner.RunUncheckedAsync(ProcessSpec.Of(program, arguments)).GetAwaiter().GetResult();
}
