namespace ImageBuilder.Planning;

/// <summary>
/// One unit of cached work. Everything a step reads, besides the outputs of its <see cref="Dependencies"/>, is in its
/// <see cref="Parameters"/> record (host files as <see cref="HostInput"/>, by content); its key hashes that record, its
/// kind and revision, its dependencies' keys and the versions of its <see cref="Tools"/>. A step holds nothing else
/// (checked for every step type by PlanTests), so a key cannot leave out what the output depends on: the same key means
/// the same output, and a cached output is reused instead of running the step.
/// </summary>
public abstract class Step
{
    protected Step(string id, object parameters, IEnumerable<Step> dependencies)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Id = id;
        Parameters = parameters;
        Dependencies = [.. dependencies];
    }

    /// <summary>Unique within a plan, e.g. "packages/boot".</summary>
    public string Id { get; }

    /// <summary>What the step does, e.g. "debian-packages"; part of the key.</summary>
    public abstract string Kind { get; }

    public abstract string Description { get; }

    public IReadOnlyList<Step> Dependencies { get; }

    /// <summary>Everything the step reads; serialised into the key. No host paths (files are <see cref="HostInput"/>s).</summary>
    public object Parameters { get; }

    /// <summary>Programs whose version enters the key.</summary>
    public virtual IEnumerable<string> Tools => [];

    /// <summary>
    /// Cores the step keeps busy while it runs (a compiler's -j); steps run at once only while their cores fit the
    /// machine's. Not part of the key: it changes when the output is made, not what it is.
    /// </summary>
    public virtual int Cores => 1;

    /// <summary>Bump when the step's implementation changes its output for the same inputs.</summary>
    public virtual int Revision => 1;

    public abstract Task RunAsync(StepContext context, CancellationToken cancellationToken);

    public override string ToString() => Id;
}

/// <summary>A step whose parameters record is typed: the step reads them as <see cref="Parameters"/>.</summary>
public abstract class Step<TParameters>(string id, TParameters parameters, params IEnumerable<Step> dependencies)
    : Step(id, parameters, dependencies)
    where TParameters : class
{
    public new TParameters Parameters => (TParameters)base.Parameters;
}
