using System.Diagnostics;
using System.Runtime.ExceptionServices;
using ImageBuilder.Common;

namespace ImageBuilder.Planning;

/// <summary>
/// Runs a plan: cached steps are reused, the others run into a temporary directory and are committed. Steps whose
/// dependencies are done run at once while their <see cref="Step.Cores"/> fit in <paramref name="cores"/> (a step
/// wanting more than that runs when nothing else does); a ready step that does not fit lets a later one that does go
/// first. After a failure nothing new starts, the steps already running finish and are cached (as make does without
/// -k: the next build does not redo them), and the first failure is what is thrown.
/// </summary>
public sealed class PlanRunner(StepCache cache, IBuildReporter reporter, int cores)
{
    public PlanRunner(StepCache cache, IBuildReporter reporter)
        : this(cache, reporter, Environment.ProcessorCount)
    {
    }

    /// <returns>The output directory of every step, by step id.</returns>
    public async Task<IReadOnlyDictionary<string, string>> RunAsync(Plan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var waiting = new List<PlannedStep>(plan.Steps);
        var running = new Dictionary<Task<string>, PlannedStep>();
        ExceptionDispatchInfo? failure = null;
        while (true)
        {
            if (failure is null && !cancellationToken.IsCancellationRequested)
            {
                StartReadySteps(waiting, running, outputs, cancellationToken);
            }

            if (running.Count == 0)
            {
                break;
            }

            var finished = await Task.WhenAny(running.Keys).ConfigureAwait(false);
            var step = running[finished];
            running.Remove(finished);
            try
            {
                outputs[step.Step.Id] = await finished.ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Cancelled by the caller: every step stops; the cancellation is what is thrown.
            }
            catch (Exception e) when (failure is null)
            {
                failure = ExceptionDispatchInfo.Capture(e);
                if (running.Count > 0)
                {
                    reporter.Info($"step {step.Step.Id} failed; waiting for the running step(s) to finish: {string.Join(", ", running.Values.Select(r => r.Step.Id))}");
                }
            }
            catch (Exception e)
            {
                reporter.Info($"step {step.Step.Id} failed too: {e.Message}");
            }
        }

        failure?.Throw();
        cancellationToken.ThrowIfCancellationRequested();
        return outputs;
    }

    private void StartReadySteps(List<PlannedStep> waiting, Dictionary<Task<string>, PlannedStep> running, Dictionary<string, string> outputs, CancellationToken cancellationToken)
    {
        int busy = running.Values.Sum(CoresOf);
        for (int i = 0; i < waiting.Count;)
        {
            var step = waiting[i];
            bool ready = step.Step.Dependencies.All(d => outputs.ContainsKey(d.Id))
                && !running.Values.Any(r => r.Key == step.Key); // a step of the same key is being made: it will be cached
            if (ready && cache.Contains(step.Key))
            {
                outputs[step.Step.Id] = Reuse(step);
                waiting.RemoveAt(i);
                i = 0; // an earlier step may have been waiting for this one
                continue;
            }

            if (!ready || (busy > 0 && busy + CoresOf(step) > cores))
            {
                i++;
                continue;
            }

            var finishedOutputs = new Dictionary<string, string>(outputs, StringComparer.Ordinal);
            running.Add(Task.Run(() => MakeAsync(step, finishedOutputs, cancellationToken), cancellationToken), step);
            busy += CoresOf(step);
            waiting.RemoveAt(i);
        }
    }

    private int CoresOf(PlannedStep step) => Math.Clamp(step.Step.Cores, 1, Math.Max(1, cores));

    private async Task<string> MakeAsync(PlannedStep planned, IReadOnlyDictionary<string, string> outputs, CancellationToken cancellationToken)
    {
        using (await cache.LockAsync(planned.Key, () => reporter.Info($"waiting for another build making {planned.Step.Id} ({planned.Key})"), cancellationToken).ConfigureAwait(false))
        {
            if (cache.Contains(planned.Key))
            {
                return Reuse(planned);
            }

            cache.DiscardLeftovers(planned.Key);
            return await RunStepAsync(planned, outputs, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The cached entry of a step made before (or meanwhile, by another build).</summary>
    private string Reuse(PlannedStep planned)
    {
        reporter.StepCached(planned);
        return cache.PathOf(planned.Key);
    }

    private async Task<string> RunStepAsync(PlannedStep planned, IReadOnlyDictionary<string, string> outputs, CancellationToken cancellationToken)
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
        catch (Exception e)
        {
            StepCache.Discard(temporary);
            reporter.StepStopped(planned);
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
    }
}
