using System.Collections.Immutable;
using Hv.Kernel.Inspection;

namespace Hv.Kernel.Build;

/// <summary>
/// A Kconfig fragment: options the recipe wants set ("y", "m", a value) or unset (null). Kconfig silently drops
/// options whose dependencies are missing, so after olddefconfig every wish is checked against the final .config.
/// </summary>
public sealed record KconfigFragment(ImmutableSortedDictionary<string, string?> Options)
{
    public static readonly KconfigFragment Empty = new(ImmutableSortedDictionary<string, string?>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>Parses "CONFIG_X=y" and "# CONFIG_X is not set" lines; anything else is an error with its line number.</summary>
    public static (KconfigFragment Fragment, IReadOnlyList<string> Errors) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var options = ImmutableSortedDictionary.CreateBuilder<string, string?>(StringComparer.Ordinal);
        var errors = new List<string>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# CONFIG_", StringComparison.Ordinal) && line.EndsWith(" is not set", StringComparison.Ordinal))
            {
                options[line[2..^" is not set".Length]] = null;
            }
            else if (line.StartsWith('#'))
            {
                continue;
            }
            else if (line.StartsWith("CONFIG_", StringComparison.Ordinal) && line.IndexOf('=', StringComparison.Ordinal) is var eq and > 7)
            {
                options[line[..eq]] = line[(eq + 1)..];
            }
            else
            {
                errors.Add($"line {i + 1}: '{line}' is neither CONFIG_NAME=VALUE nor '# CONFIG_NAME is not set'");
            }
        }

        return (new KconfigFragment(options.ToImmutable()), errors);
    }

    /// <summary>The fragment as .config lines, appended to a base config before olddefconfig.</summary>
    public string Render() => string.Join('\n', Options.Select(o => o.Value is null ? $"# {o.Key} is not set" : $"{o.Key}={o.Value}")) + "\n";

    /// <summary>Every option of the fragment that the final configuration does not hold, as "CONFIG_X: wanted y, got not set".</summary>
    public IReadOnlyList<string> NotApplied(KernelConfig final)
    {
        ArgumentNullException.ThrowIfNull(final);
        var missing = new List<string>();
        foreach (var (name, wanted) in Options)
        {
            string? actual = final[name];
            string? normalisedWanted = wanted?.Trim('"');
            bool holds = normalisedWanted is null or "n" ? actual is null or "n" : actual == normalisedWanted;
            if (!holds)
            {
                missing.Add($"{name}: wanted {normalisedWanted ?? "not set"}, got {actual ?? "not set"}");
            }
        }

        return missing;
    }
}
