using System.Collections.Immutable;
using System.Diagnostics;

namespace ImageBuilder.Qemu;

/// <summary>One way to start an image: a firmware and a medium.</summary>
public sealed record BootPath(Firmware Firmware, BootMedia Media)
{
    public string Label => $"{Firmware.ToString().ToLowerInvariant()}-{Media.ToString().ToLowerInvariant()}";
}

/// <summary>A check's result in one boot: when its marker was seen (after QEMU started), or why not.</summary>
public sealed record CheckResult(BootCheck Check, TimeSpan? SeenAt);

/// <summary>One boot path's run: when it started, how long it took, each check and the boot's outcome.</summary>
public sealed record PathResult(BootPath Path, DateTimeOffset Started, TimeSpan Elapsed, ImmutableArray<CheckResult> Checks, BootOutcome Outcome)
{
    public bool Passed => Outcome.Succeeded && Checks.All(c => c.SeenAt is not null);
}

/// <summary>The settings every boot of a matrix shares.</summary>
public sealed record MatrixSettings(TimeSpan Timeout, int MemoryMiB, int Cpus, string CpuModel, int Parallel, string LogFolder);

/// <summary>
/// Boots an image along every path of a matrix, <see cref="MatrixSettings.Parallel"/> at a time, each watched for
/// every check of the image's expectations. Results come back in the matrix's order, whatever order they finished in.
/// </summary>
public static class BootMatrix
{
    public static ImmutableArray<BootPath> Paths(IEnumerable<Firmware> firmware, IEnumerable<BootMedia> media) =>
        [.. firmware.Distinct().SelectMany(f => media.Distinct().Select(m => new BootPath(f, m)))];

    public static async Task<ImmutableArray<PathResult>> RunAsync(
        string image,
        ImageExpectations expectations,
        ImmutableArray<BootPath> paths,
        MatrixSettings settings,
        Action<PathResult> finished,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expectations);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(finished);
        using var slots = new SemaphoreSlim(settings.Parallel);
        var runs = paths.Select(async path =>
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var result = await RunOneAsync(image, expectations, path, settings, cancellationToken).ConfigureAwait(false);
                finished(result);
                return result;
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        return [.. await Task.WhenAll(runs).ConfigureAwait(false)];
    }

    private static async Task<PathResult> RunOneAsync(string image, ImageExpectations expectations, BootPath path, MatrixSettings settings, CancellationToken cancellationToken)
    {
        string log = System.IO.Path.Combine(settings.LogFolder, $"test-{expectations.Name}-{path.Label}.log");
        var options = new BootOptions(image, path.Firmware, path.Media, settings.Timeout, [.. expectations.Checks.Select(c => c.Text)], settings.MemoryMiB, log)
        {
            Cpus = settings.Cpus,
            CpuModel = settings.CpuModel,
            FailOn = [ImageExpectations.DemoFailed],
        };
        var started = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        BootOutcome outcome;
        try
        {
            outcome = await BootRunner.RunAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (Common.ImageBuilderException e)
        {
            // This path could not boot at all (no OVMF, QEMU would not start): its checks fail, the others go on.
            outcome = new BootOutcome(false, [], [.. options.Expect], e.Message, log, string.Empty);
        }

        var checks = expectations.Checks.Select(c => new CheckResult(c, outcome.Seen.FirstOrDefault(s => s.Text == c.Text)?.At)).ToImmutableArray();
        return new PathResult(path, started, watch.Elapsed, checks, outcome);
    }
}
