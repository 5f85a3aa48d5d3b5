using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace ImageBuilder.Common.Processes;

/// <summary>Runs <see cref="ProcessSpec"/>s. Stateless; output is captured, optionally teed to the spec's log file.</summary>
public static class ProcessRunner
{
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

    /// <summary>Runs to completion and returns whatever the exit code was.</summary>
    public static async Task<ProcessResult> RunUncheckedAsync(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var process = new Process { StartInfo = StartInfo(spec) };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        StreamWriter? log = spec.LogFile is null ? null : OpenLog(spec.LogFile);
        var logLock = new Lock();
        void Collect(StringBuilder sink, string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (logLock)
            {
                sink.Append(line).Append('\n');
                log?.WriteLine(line);
            }
        }

        process.OutputDataReceived += (_, e) => Collect(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Collect(stderr, e.Data);
        var watch = Stopwatch.StartNew();
        try
        {
            Start(process, spec);
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(spec.Timeout ?? Timeout.InfiniteTimeSpan);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                if (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new ProcessFailedException(spec, -1, Tail(stderr.ToString()), $"timed out after {spec.Timeout}");
                }

                throw;
            }
        }
        finally
        {
            log?.Dispose();
        }

        return new ProcessResult(spec, process.ExitCode, stdout.ToString(), stderr.ToString(), watch.Elapsed);
    }

    /// <summary>Runs to completion capturing standard output as bytes (for binary data); the exit code is returned, not checked.</summary>
    public static async Task<(int ExitCode, byte[] Output, string StandardError)> RunForBytesAsync(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var process = new Process { StartInfo = StartInfo(spec) };
        Start(process, spec);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var feed = FeedAsync(process, spec.StandardInputFile, cancellationToken);
        using var output = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
        await feed.ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (process.ExitCode, output.ToArray(), await stderr.ConfigureAwait(false));
    }

    /// <summary>Starts a long-running process whose output the caller reads (e.g. a VM's serial console).</summary>
    public static Process StartStreaming(ProcessSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var process = new Process { StartInfo = StartInfo(spec) };
        Start(process, spec);
        return process;
    }

    /// <summary>True when <paramref name="program"/> resolves on PATH (or is an existing path).</summary>
    public static bool IsAvailable(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(program);
        }

        string path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin").Append("/sbin")
            .Any(dir => File.Exists(Path.Combine(dir, program)));
    }

    public static string Tail(string text, int lines = TailLines)
    {
        var all = text.TrimEnd().Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    private static async Task FeedAsync(Process process, string? inputFile, CancellationToken cancellationToken)
    {
        try
        {
            if (inputFile is not null)
            {
                await using var input = File.OpenRead(inputFile);
                await input.CopyToAsync(process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The process stopped reading early (e.g. a decompressor at the end of its stream).
        }
        finally
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already gone.
            }
        }
    }

    private static ProcessStartInfo StartInfo(ProcessSpec spec)
    {
        var info = new ProcessStartInfo(spec.Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? string.Empty,
        };
        foreach (string argument in spec.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in spec.Environment)
        {
            info.Environment[name] = value;
        }

        return info;
    }

    private static void Start(Process process, ProcessSpec spec)
    {
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new ProcessFailedException(spec, -1, string.Empty, $"cannot start '{spec.Program}': {e.Message}");
        }
    }

    private static StreamWriter OpenLog(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return new StreamWriter(path, append: false, new UTF8Encoding(false)) { AutoFlush = true };
    }
}
