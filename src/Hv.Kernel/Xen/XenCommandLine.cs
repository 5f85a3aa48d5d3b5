using System.Collections.Immutable;

namespace Hv.Kernel.Xen;

/// <summary>
/// The hypervisor's command line as a model: known options with checked values, in a stable order, plus
/// free-form extra text for options this model does not know. Rendered back with <see cref="Render"/>.
/// </summary>
public sealed record XenCommandLine(ImmutableArray<XenOption> Options, string Extra)
{
    public static readonly XenCommandLine Empty = new([], string.Empty);

    public static IReadOnlyCollection<string> KnownOptions => (IReadOnlyCollection<string>)XenOptionSyntax.Known.Keys;

    /// <summary>Checks one option; returns null when valid, else a message naming what is wrong.</summary>
    public static string? Validate(string name, string? value)
    {
        if (!XenOptionSyntax.Known.TryGetValue(name, out var check))
        {
            string? guess = ClosestKnown(name);
            return guess is null
                ? $"unknown Xen option '{name}' (put options this tool does not know under 'extra')"
                : $"unknown Xen option '{name}'; did you mean '{guess}'? (options this tool does not know go under 'extra')";
        }

        return check(value) is { } problem ? $"{name}: {problem}" : null;
    }

    /// <summary>Parses "a=b c d=e" text; unknown options are returned as errors, not dropped.</summary>
    public static (XenCommandLine CommandLine, IReadOnlyList<string> Errors) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var options = ImmutableArray.CreateBuilder<XenOption>();
        var errors = new List<string>();
        foreach (string token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = token.IndexOf('=', StringComparison.Ordinal);
            var option = eq < 0 ? new XenOption(token, null) : new XenOption(token[..eq], token[(eq + 1)..]);
            if (Validate(option.Name, option.Value) is { } error)
            {
                errors.Add(error);
            }

            options.Add(option);
        }

        return (new XenCommandLine(options.ToImmutable(), string.Empty), errors);
    }

    /// <summary>Options of <paramref name="overrides"/> replace ours by name; new ones are appended.</summary>
    public XenCommandLine Merge(XenCommandLine overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var merged = Options.ToList();
        foreach (var option in overrides.Options)
        {
            int at = merged.FindIndex(o => o.Name == option.Name);
            if (at >= 0)
            {
                merged[at] = option;
            }
            else
            {
                merged.Add(option);
            }
        }

        string extra = string.Join(' ', new[] { Extra, overrides.Extra }.Where(e => e.Length > 0));
        return new XenCommandLine([.. merged], extra);
    }

    public string? ValueOf(string name) => Options.FirstOrDefault(o => o.Name == name)?.Value;

    public string Render() => string.Join(' ', Options.Select(o => o.Render()).Append(Extra).Where(s => s.Length > 0));

    public override string ToString() => Render();

    private static string? ClosestKnown(string name) =>
        XenOptionSyntax.Known.Keys
            .Select(k => (k, d: EditDistance(k, name)))
            .Where(x => x.d <= 2)
            .OrderBy(x => x.d)
            .ThenBy(x => x.k, StringComparer.Ordinal)
            .Select(x => x.k)
            .FirstOrDefault();

    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            }
        }

        return d[a.Length, b.Length];
    }
}
