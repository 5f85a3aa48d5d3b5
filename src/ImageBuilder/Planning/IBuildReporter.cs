namespace ImageBuilder.Planning;

/// <summary>Where progress goes: a live display on a terminal, plain lines otherwise.</summary>
public interface IBuildReporter
{
    void StepCached(PlannedStep step);

    void StepStarted(PlannedStep step);

    void StepFinished(PlannedStep step, TimeSpan elapsed);

    /// <summary>A started step ended without an entry: it failed, or the build was cancelled.</summary>
    void StepStopped(PlannedStep step);

    void Info(string message);

    /// <summary>Runs <paramref name="work"/> while showing progress.</summary>
    Task<T> RunAsync<T>(Func<Task<T>> work);
}
