using System.Diagnostics;
using System.Text;
using ImageBuilder.Common;
using ImageBuilder.Common.Processes;

namespace ImageBuilder.Qemu;

public sealed record MarkerSeen(string Text, TimeSpan At);

public sealed record BootOutcome(bool Succeeded, IReadOnlyList<MarkerSeen> Seen, IReadOnlyList<string> Missing, string Reason, string LogFile, string LogTail)
{
    /// <summary>When each boot phase was reached (see <see cref="BootTimeline"/>).</summary>
    public IReadOnlyList<TimelineEntry> Timeline { get; init; } = [];
}

/// <summary>Boots an image in QEMU and watches the serial console until every expected text has appeared.</summary>
public static class BootRunner
{
    public static async Task<BootOutcome> RunAsync(BootOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(options.Image))
        {
            throw new ImageBuilderException($"image not found: {options.Image}");
        }

        if (!ProcessRunner.IsAvailable(QemuCommand.Program))
        {
            throw new ImageBuilderException($"{QemuCommand.Program} is not installed") { Hint = "apt-get install qemu-system-x86" };
        }

        string? vars = null;
        if (QemuCommand.VarsTemplate(options.Firmware) is { } template)
        {
            vars = Path.Combine(Path.GetTempPath(), $"imagebuilder-ovmf-vars-{Environment.ProcessId}-{Guid.NewGuid():N}.fd");
            if (File.Exists(template))
            {
                File.Copy(template, vars);
            }
        }

        try
        {
            return await WatchAsync(QemuCommand.For(options, vars), options.Expect, options.Timeout, options.LogFile, options.FailOn, options.MenuEntry, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (vars is not null)
            {
                File.Delete(vars);
            }
        }
    }

    /// <summary>
    /// Runs any VM command whose serial console is on stdout and watches it for <paramref name="expect"/>, stopping it
    /// early, as failed, when a text of <paramref name="failOn"/> appears.
    /// </summary>
    /// <param name="menuEntry">Pressed on the console (its standard input) once GRUB's menu shows.</param>
    public static async Task<BootOutcome> WatchAsync(ProcessSpec spec, IEnumerable<string> expect, TimeSpan timeout, string logFile, IEnumerable<string>? failOn = null, GrubMenuPath? menuEntry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var keyboard = menuEntry is null ? null : new System.IO.Pipelines.Pipe();
        Task typing = Task.CompletedTask;
        bool typed = false;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logFile))!);
        await using var log = new FileStream(logFile, FileMode.Create, FileAccess.Write, FileShare.Read);
        await log.WriteAsync(Encoding.UTF8.GetBytes($"# {spec.Display}\n"), cancellationToken).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        var console = new StringBuilder();
        var pending = expect.Distinct(StringComparer.Ordinal).ToList();
        var failures = (failOn ?? []).Where(m => m.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        int longest = pending.Concat(failures).Append(menuEntry is null ? string.Empty : GrubMenuPath.MenuShown).Max(m => m.Length);
        var timeline = new BootTimeline();
        var seen = new List<MarkerSeen>();
        string? reason = null;
        bool failed = false;

        // True ends the VM: every text seen, a failure text seen, or the deadline passed; false: its console closed.
        async Task<bool> WatchConsole(Stream output, CancellationToken token)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
            deadline.CancelAfter(timeout);
            var buffer = new byte[8192];
            try
            {
                while (pending.Count > 0)
                {
                    int read = await output.ReadAsync(buffer, deadline.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return false;
                    }

                    await log.WriteAsync(buffer.AsMemory(0, read), CancellationToken.None).ConfigureAwait(false);
                    await log.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    string chunk = Encoding.Latin1.GetString(buffer, 0, read);
                    var at = watch.Elapsed;
                    timeline.Observe(chunk, at);

                    // Markers can straddle reads: search the new text with as much of the old as the longest marker needs,
                    // not the whole console again (a long boot's console is megabytes, read a few bytes at a time).
                    int from = Math.Max(0, console.Length - longest);
                    console.Append(chunk);
                    string text = console.ToString(from, console.Length - from);
                    if (keyboard is not null && !typed && text.Contains(GrubMenuPath.MenuShown, StringComparison.Ordinal))
                    {
                        typed = true;
                        typing = Type(keyboard.Writer, menuEntry!, token);
                    }

                    foreach (string marker in pending.Where(m => text.Contains(m, StringComparison.Ordinal)).ToList())
                    {
                        pending.Remove(marker);
                        seen.Add(new MarkerSeen(marker, at));
                    }

                    if (failures.FirstOrDefault(m => text.Contains(m, StringComparison.Ordinal)) is { } failure)
                    {
                        reason = $"the console showed '{failure}' after {at.TotalSeconds:0} s";
                        failed = true;
                        return true;
                    }
                }
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                reason = $"timed out after {timeout.TotalSeconds:0} s";
            }

            return true;
        }

        var (exitCode, errors) = await ProcessRunner.WatchAsync(spec, WatchConsole, keyboard?.Reader.AsStream(), cancellationToken).ConfigureAwait(false);
        if (keyboard is not null)
        {
            await keyboard.Writer.CompleteAsync().ConfigureAwait(false);
            await typing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (exitCode is { } code && pending.Count > 0)
        {
            reason ??= $"QEMU exited with code {code} before every expected text appeared";
        }

        reason ??= "every expected text appeared";
        if (errors.Length > 0)
        {
            await log.WriteAsync(Encoding.UTF8.GetBytes("\n# qemu stderr:\n" + errors), CancellationToken.None).ConfigureAwait(false);
        }

        string tail = ProcessRunner.Tail(StripControl(console.ToString()) + (errors.Length > 0 ? "\n" + errors : string.Empty), 30);
        timeline.Complete(watch.Elapsed);
        return new BootOutcome(pending.Count == 0 && !failed, seen, pending, reason, logFile, tail) { Timeline = timeline.Entries };
    }

    /// <summary>
    /// Presses the menu entry's keys, a level at a time: GRUB draws the menu (and a submenu) before it reads keys, and
    /// the first key stops its countdown.
    /// </summary>
    private static async Task Type(System.IO.Pipelines.PipeWriter keyboard, GrubMenuPath entry, CancellationToken token)
    {
        foreach (var level in entry.Keystrokes)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
            foreach (string key in level)
            {
                await keyboard.WriteAsync(Encoding.ASCII.GetBytes(key), token).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromMilliseconds(200), token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Firmware and GRUB draw with escape sequences; the tail shown to a person is plain text.</summary>
    private static string StripControl(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"\x1B\[[0-9;?]*[A-Za-z]|\x1B[()][A-Z0-9]|[\x00-\x08\x0B-\x1F]", string.Empty);
}
