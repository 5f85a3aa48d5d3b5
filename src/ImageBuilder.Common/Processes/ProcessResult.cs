namespace ImageBuilder.Common.Processes;

public sealed record ProcessResult(ProcessSpec Spec, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed);
