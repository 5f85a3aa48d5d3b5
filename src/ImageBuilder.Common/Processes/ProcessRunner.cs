using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace ImageBuilder.Common.Processes;

/// <summary>Runs <see cref="ProcessSpec"/>s. Stateless; output is captured, optionally teed to the spec's log file.</summary>
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
        string path = spec.Environment.GetValueOrDefault("PATH", ToolPath);

        // Resolved here: Process.Start would search the calling process's PATH. A program not found is started as
        // FIRST_PATH_FOLDER/NAME (or /NAME for an empty PATH), so that it fails with the usual message instead of
        // being found on the caller's PATH.
        string firstFolder = path.Split(':')[0];
        var info = new ProcessStartInfo(Resolve(spec.Program, path) ?? Path.Combine(firstFolder.Length > 0 ? firstFolder : "/", spec.Program))
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

        info.Environment["PATH"] = path;
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
