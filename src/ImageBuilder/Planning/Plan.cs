using System.Collections.Immutable;
using System.Text.Json;

namespace ImageBuilder.Planning;

public sealed record PlannedStep(Step Step, string Key, ImmutableSortedDictionary<string, string> ToolVersions);

/// <summary>The steps of a build in dependency order, each with its key.</summary>
public sealed class Plan
{
    private Plan(ImmutableArray<PlannedStep> steps) => Steps = steps;

    public ImmutableArray<PlannedStep> Steps { get; }

    public PlannedStep this[Step step] => Steps.First(s => ReferenceEquals(s.Step, step));

    /// <summary>Orders the steps (dependencies first, otherwise as given) and computes their keys.</summary>
    public static Plan Create(IEnumerable<Step> steps, ToolVersions tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var ordered = new List<Step>();
        var state = new Dictionary<Step, bool>(ReferenceEqualityComparer.Instance);
        void Visit(Step step)
        {
            if (state.TryGetValue(step, out bool done))
            {
                if (!done)
                {
                    throw new InvalidOperationException($"step dependency cycle through '{step.Id}'");
                }

                return;
            }

            state[step] = false;
            foreach (var dependency in step.Dependencies)
            {
                Visit(dependency);
            }

            state[step] = true;
            ordered.Add(step);
        }

        foreach (var step in steps)
        {
            Visit(step);
        }

        var duplicate = ordered.GroupBy(s => s.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"two steps share the id '{duplicate.Key}'");
        }

        var keys = new Dictionary<Step, string>(ReferenceEqualityComparer.Instance);
        var planned = ImmutableArray.CreateBuilder<PlannedStep>();
        foreach (var step in ordered)
        {
            var versions = step.Tools.Distinct(StringComparer.Ordinal).ToImmutableSortedDictionary(t => t, tools.Of, StringComparer.Ordinal);
            string key = KeyOf(step, versions, keys);
            keys[step] = key;
            planned.Add(new PlannedStep(step, key, versions));
        }

        return new Plan(planned.ToImmutable());
    }

    private static string KeyOf(Step step, ImmutableSortedDictionary<string, string> versions, Dictionary<Step, string> keys)
    {
        var material = new
        {
            kind = step.Kind,
            revision = step.Revision,
            parameters = step.Parameters,
            dependencies = step.Dependencies.Select(d => keys[d]).ToArray(),
            tools = versions,
        };
        string json = JsonSerializer.Serialize(material, KeyJson.Options);
        return $"{step.Kind}-{ContentDigest.OfText(json)[..32]}";
    }
}

internal static class KeyJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}
