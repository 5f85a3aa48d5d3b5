using System.ComponentModel;
using System.Text;
using CliWrap;

namespace ImageBuilder.Common.Processes;

/// <summary>Runs <see cref="ProcessSpec"/>s through CliWrap. Stateless; output is captured, optionally teed to the spec's log file.</summary>
public static class ProcessRunner
{
    /// <summary>
    /// Where every program is looked up and what PATH it runs with: the host's Debian packages, whatever the calling
    /// shell's PATH holds. A version manager's shims first on a user's PATH (pyenv's python3 took ~1.5 s to start under
    /// load, for each of the hundreds of packages mmdebstrap filters and each script Xen's build runs) change neither
    /// how fast nor with what the build runs.
    /// </summary>
    public const string ToolPath = "/usr/sbin:/usr/bin:/sbin:/bin";

    private const int TailLines = 25;

    /// <summary>Runs to completion; a non-zero exit throws <see cref="ProcessFailedException"/>.</summary>
    public static async Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        var result = await RunUncheckedAsync(spec, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new ProcessFailedException(spec, result.ExitCode, Tail(result.StandardError.Length > 0 ? result.StandardError : result.StandardOutput), "non-zero exit");
        }

        return result;
    }

    public static ProcessResult Run(ProcessSpec spec) => RunAsync(spec).GetAwaiter().GetResult();

    /// <summary>Runs to completion and returns whatever the exit code was; output lines go to the spec's log file as they come.</summary>
    public static async Task<ProcessResult> RunUncheckedAsync(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var log = spec.LogFile is null ? null : OpenLog(spec.LogFile);
        var gate = new Lock();
        PipeTarget Lines(StringBuilder sink) => PipeTarget.ToDelegate(line =>
        {
            lock (gate)
            {
                sink.Append(line).Append('\n');
                log?.WriteLine(line);
            }
        });

        var command = CommandFor(spec).WithStandardOutputPipe(Lines(stdout)).WithStandardErrorPipe(Lines(stderr));
        var result = await ExecuteAsync(spec, command, stderr, cancellationToken).ConfigureAwait(false);
        return new ProcessResult(spec, result.ExitCode, stdout.ToString(), stderr.ToString(), result.RunTime);
    }

    /// <summary>Runs to completion capturing standard output as bytes (for binary data); the exit code is returned, not checked.</summary>
    public static async Task<(int ExitCode, byte[] Output, string StandardError)> RunForBytesAsync(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var output = new MemoryStream();
        var stderr = new StringBuilder();
        var command = CommandFor(spec).WithStandardOutputPipe(PipeTarget.ToStream(output)).WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr));
        var result = await ExecuteAsync(spec, command, stderr, cancellationToken).ConfigureAwait(false);
        return (result.ExitCode, output.ToArray(), stderr.ToString());
    }

    /// <summary>
    /// Runs a long-running process whose standard output <paramref name="watch"/> reads (a VM's serial console). When
    /// watch returns true the whole process tree is killed and no exit code is returned; when it returns false (the
    /// output ended) the process's exit code is.
    /// </summary>
    /// <param name="standardInput">What the process reads, as it arrives (else the spec's file, or nothing).</param>
    public static async Task<(int? ExitCode, string StandardError)> WatchAsync(ProcessSpec spec, Func<Stream, CancellationToken, Task<bool>> watch, Stream? standardInput = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(watch);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stderr = new StringBuilder();
        var wrapped = CommandFor(spec);
        var command = (standardInput is null ? wrapped : wrapped.WithStandardInputPipe(PipeSource.FromStream(standardInput)))
            .WithStandardOutputPipe(PipeTarget.Create(async (output, token) =>
            {
                bool end;
                try
                {
                    end = await watch(output, token).ConfigureAwait(false);
                }
                catch
                {
                    // CliWrap waits for the process to exit before it reports a failed pipe: a watcher that failed
                    // (a full disk for its log) must not leave a VM running for ever.
                    await stop.CancelAsync().ConfigureAwait(false);
                    throw;
                }

                if (end)
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }))
            .WithStandardErrorPipe(PipeTarget.Create(async (errors, _) =>
            {
                // Read to the end whatever the kill: what a VM says as it dies is the clue to why.
                using var reader = new StreamReader(errors);
                stderr.Append(await reader.ReadToEndAsync(CancellationToken.None).ConfigureAwait(false));
            }));
        try
        {
            var result = await ExecuteAsync(spec, command, stderr, stop.Token).ConfigureAwait(false);
            return (result.ExitCode, stderr.ToString());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, stderr.ToString());
        }
    }

    /// <summary>True when <paramref name="program"/> resolves on <see cref="ToolPath"/> (or is an existing path).</summary>
    public static bool IsAvailable(string program) => Resolve(program, ToolPath) is not null;

    /// <summary>The program's file: itself when it names a path, else the first match in <paramref name="path"/>.</summary>
    private static string? Resolve(string program, string path) =>
        program.Contains('/', StringComparison.Ordinal)
            ? File.Exists(program) ? program : null
            : path.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);

    public static string Tail(string text, int lines = TailLines)
    {
        var all = text.TrimEnd().Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    /// <summary>
    /// The spec as a CliWrap command: the program looked up on the spec's PATH (default <see cref="ToolPath"/>), not
    /// the caller's; a program not found is started as FIRST_PATH_FOLDER/NAME (or /NAME for an empty PATH), so that it
    /// fails with the usual message instead of being found on the caller's PATH. Standard input is the spec's file or
    /// closed at once; the exit code is the caller's to judge.
    /// </summary>
    private static Command CommandFor(ProcessSpec spec)
    {
        string path = spec.Environment.GetValueOrDefault("PATH", ToolPath);
        string firstFolder = path.Split(':')[0];
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["PATH"] = path };
        foreach (var (name, value) in spec.Environment)
        {
            environment[name] = value;
        }

        var command = Cli.Wrap(Resolve(spec.Program, path) ?? Path.Combine(firstFolder.Length > 0 ? firstFolder : "/", spec.Program))
            .WithArguments(spec.Arguments)
            .WithEnvironmentVariables(environment)
            .WithStandardInputPipe(spec.StandardInputFile is { } input ? PipeSource.FromFile(input) : PipeSource.Null)
            .WithValidation(CommandResultValidation.None);
        return spec.WorkingDirectory is { } folder ? command.WithWorkingDirectory(folder) : command;
    }

    /// <summary>
    /// Executes with the spec's timeout: a process that cannot start, or outlives its timeout (its whole tree is
    /// killed), is a <see cref="ProcessFailedException"/> carrying the tail of what it wrote to standard error.
    /// </summary>
    private static async Task<CommandResult> ExecuteAsync(ProcessSpec spec, Command command, StringBuilder stderr, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(spec.Timeout ?? Timeout.InfiniteTimeSpan);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await command.ExecuteAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ProcessFailedException(spec, -1, Tail(stderr.ToString()), $"timed out after {spec.Timeout}");
        }
        catch (Win32Exception e)
        {
            throw new ProcessFailedException(spec, -1, string.Empty, $"cannot start '{spec.Program}': {e.InnerException?.Message ?? e.Message}");
        }
    }

    private static StreamWriter OpenLog(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return new StreamWriter(path, append: false, new UTF8Encoding(false)) { AutoFlush = true };
    }
}
