using System.Diagnostics;
using ImageBuilder.Common;

namespace ImageBuilder.Planning;

/// <summary>Runs a plan: cached steps are reused, the others run into a temporary directory and are committed.</summary>
public sealed class PlanRunner(StepCache cache, IBuildReporter reporter)
{
    /// <returns>The output directory of every step, by step id.</returns>
    public async Task<IReadOnlyDictionary<string, string>> RunAsync(Plan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var planned in plan.Steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (cache.Contains(planned.Key))
            {
                reporter.StepCached(planned);
                outputs[planned.Step.Id] = cache.PathOf(planned.Key);
                continue;
            }

            using (await cache.LockAsync(planned.Key, () => reporter.Info($"waiting for another build making {planned.Step.Id} ({planned.Key})"), cancellationToken).ConfigureAwait(false))
            {
                if (cache.Contains(planned.Key))
                {
                    reporter.StepCached(planned);
                    outputs[planned.Step.Id] = cache.PathOf(planned.Key);
                    continue;
                }

                cache.DiscardLeftovers(planned.Key);
                outputs[planned.Step.Id] = await RunStepAsync(planned, outputs, cancellationToken).ConfigureAwait(false);
            }
        }

        return outputs;
    }

    private async Task<string> RunStepAsync(PlannedStep planned, Dictionary<string, string> outputs, CancellationToken cancellationToken)
    {
        reporter.StepStarted(planned);
        string temporary = cache.CreateTemporary(planned.Key);
        string logFile = Path.Combine(cache.Root, "logs", $"{planned.Key}.log");
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        var context = new StepContext(temporary, logFile, outputs);
        var watch = Stopwatch.StartNew();
        try
        {
            await planned.Step.RunAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            StepCache.Discard(temporary);
            if (e is OperationCanceledException)
            {
                throw;
            }

            throw e switch
            {
                ImageBuilderException ib => new ImageBuilderException($"step {planned.Step.Id} failed: {ib.Message}", ib) { Hint = ib.Hint },
                _ => new ImageBuilderException($"step {planned.Step.Id} failed: {e.Message} (log: {logFile})", e),
            };
        }

        var metadata = new
        {
            id = planned.Step.Id,
            kind = planned.Step.Kind,
            key = planned.Key,
            description = planned.Step.Description,
            parameters = planned.Step.Parameters,
            tools = planned.ToolVersions,
            seconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
        };
        string final = cache.Commit(planned.Key, temporary, metadata);
        reporter.StepFinished(planned, watch.Elapsed);
        return final;
    }
}
