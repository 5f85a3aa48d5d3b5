namespace ImageBuilder.Planning;

/// <summary>
/// One unit of cached work. Its key is derived from <see cref="Kind"/>, <see cref="Parameters"/>, the keys of
/// its dependencies, the content of <see cref="InputPaths"/> and the versions of <see cref="Tools"/>; the
/// same key means the same output, so a cached output is reused instead of running the step.
/// </summary>
public abstract class Step
{
    protected Step(string id, params IEnumerable<Step> dependencies)
    {
        Id = id;
        Dependencies = [.. dependencies];
    }

    /// <summary>Unique within a plan, e.g. "packages/boot".</summary>
    public string Id { get; }

    /// <summary>What the step does, e.g. "debian-packages"; part of the key.</summary>
    public abstract string Kind { get; }

    public abstract string Description { get; }

    public IReadOnlyList<Step> Dependencies { get; }

    /// <summary>The recipe values this step's output depends on; serialised into the key. No host paths.</summary>
    public abstract object Parameters { get; }

    /// <summary>Programs whose version enters the key.</summary>
    public virtual IEnumerable<string> Tools => [];

    /// <summary>Host files or directories whose content (not location) enters the key, by a stable name.</summary>
    public virtual IEnumerable<(string Name, string HostPath)> InputPaths => [];

    /// <summary>Bump when the step's implementation changes its output for the same inputs.</summary>
    public virtual int Revision => 1;

    public abstract Task RunAsync(StepContext context, CancellationToken cancellationToken);

    public override string ToString() => Id;
}
