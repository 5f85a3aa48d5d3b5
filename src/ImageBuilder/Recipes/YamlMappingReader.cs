using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace ImageBuilder.Recipes;

/// <summary>Collects located diagnostics while recipe sections are read.</summary>
internal sealed class DiagnosticSink(string file)
{
    private readonly List<Diagnostic> diagnostics = [];

    public string File { get; } = file;

    /// <summary>In file order, so a person can walk through them top to bottom.</summary>
    public IReadOnlyList<Diagnostic> All => [.. diagnostics.OrderBy(d => d.Line).ThenBy(d => d.Column)];

    public void Error(YamlNode node, string message) =>
        diagnostics.Add(new Diagnostic(File, (int)node.Start.Line, (int)node.Start.Column, message));

    public void Error(YamlDotNet.Core.Mark mark, string message) =>
        diagnostics.Add(new Diagnostic(File, (int)mark.Line, (int)mark.Column, message));
}

/// <summary>
/// Reads one YAML mapping field by field. Every problem becomes a diagnostic at the offending node and
/// reading goes on, so one run reports all mistakes. <see cref="Finish"/> reports keys nobody asked for.
/// </summary>
internal sealed class YamlMappingReader
{
    private readonly DiagnosticSink sink;
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> fields = new(StringComparer.Ordinal);
    private readonly HashSet<string> consumed = new(StringComparer.Ordinal);

    public YamlMappingReader(DiagnosticSink sink, YamlMappingNode node, string section)
    {
        this.sink = sink;
        Node = node;
        Section = section;
        foreach (var (key, value) in node.Children)
        {
            if (key is not YamlScalarNode { Value.Length: > 0 } scalar)
            {
                sink.Error(key, $"{(section.Length == 0 ? "recipe" : section)}: a key must be a plain name");
                continue;
            }

            if (!fields.TryAdd(scalar.Value, (scalar, value)))
            {
                sink.Error(key, $"{Qualified(scalar.Value)}: duplicate key");
            }
        }
    }

    public YamlMappingNode Node { get; }

    public string Section { get; }

    public DiagnosticSink Sink => sink;

    /// <summary>Reads a mapping that may be absent; reports a wrong type at the node.</summary>
    public static YamlMappingReader? Open(DiagnosticSink sink, YamlNode? node, string section)
    {
        if (node is null)
        {
            return null;
        }

        if (node is YamlMappingNode mapping)
        {
            return new YamlMappingReader(sink, mapping, section);
        }

        sink.Error(node, section.Length == 0 ? "a recipe is a mapping of keys to values (name: ..., archive: ..., ...)" : $"{section}: expected a mapping of keys to values");
        return null;
    }

    public string? String(string key, bool required = false, Func<string, string?>? check = null)
    {
        if (Scalar(key, required) is not { } node)
        {
            return null;
        }

        string value = node.Value ?? string.Empty;
        if (check?.Invoke(value) is { } problem)
        {
            sink.Error(node, $"{Qualified(key)}: {problem}");
            return null;
        }

        return value;
    }

    public long? Integer(string key, bool required = false, long min = long.MinValue, long max = long.MaxValue)
    {
        if (Scalar(key, required) is not { } node)
        {
            return null;
        }

        if (!long.TryParse(node.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
        {
            sink.Error(node, $"{Qualified(key)}: expected a whole number, got '{node.Value}'");
            return null;
        }

        if (value < min || value > max)
        {
            sink.Error(node, $"{Qualified(key)}: {value} is out of range ({min} to {max})");
            return null;
        }

        return value;
    }

    public bool? Boolean(string key, bool required = false)
    {
        if (Scalar(key, required) is not { } node)
        {
            return null;
        }

        switch (node.Value)
        {
            case "true":
                return true;
            case "false":
                return false;
            default:
                sink.Error(node, $"{Qualified(key)}: expected true or false, got '{node.Value}'");
                return null;
        }
    }

    public YamlMappingReader? Mapping(string key, bool required = false) =>
        Value(key, required) is { } node ? Open(sink, node, Qualified(key)) : null;

    public IReadOnlyList<YamlNode>? Sequence(string key, bool required = false)
    {
        if (Value(key, required) is not { } node)
        {
            return null;
        }

        if (node is YamlSequenceNode sequence)
        {
            return sequence.Children.ToList();
        }

        sink.Error(node, $"{Qualified(key)}: expected a list");
        return null;
    }

    public IReadOnlyList<(YamlScalarNode Node, string Value)> StringList(string key, bool required = false)
    {
        var result = new List<(YamlScalarNode, string)>();
        foreach (var item in Sequence(key, required) ?? [])
        {
            if (item is YamlScalarNode { Value: { Length: > 0 } v } scalar)
            {
                result.Add((scalar, v));
            }
            else
            {
                sink.Error(item, $"{Qualified(key)}: expected a list of strings");
            }
        }

        return result;
    }

    /// <summary>The list's strings that pass <paramref name="check"/>; each one that does not is reported at its node as "KEY: problem".</summary>
    public System.Collections.Immutable.ImmutableArray<string> CheckedStringList(string key, Func<string, string?> check, bool required = false)
    {
        ArgumentNullException.ThrowIfNull(check);
        var result = System.Collections.Immutable.ImmutableArray.CreateBuilder<string>();
        foreach (var (node, value) in StringList(key, required))
        {
            if (check(value) is { } problem)
            {
                sink.Error(node, $"{Qualified(key)}: {problem}");
            }
            else
            {
                result.Add(value);
            }
        }

        return result.ToImmutable();
    }

    /// <summary>All fields not read yet, for free-form maps; they count as consumed.</summary>
    public IEnumerable<(YamlScalarNode Key, YamlNode Value)> Rest()
    {
        foreach (var (name, field) in fields.OrderBy(f => f.Value.Key.Start.Index))
        {
            if (consumed.Add(name))
            {
                yield return field;
            }
        }
    }

    public bool Has(string key) => fields.ContainsKey(key);

    public YamlNode? NodeOf(string key) => fields.TryGetValue(key, out var f) ? f.Value : null;

    /// <summary>Reports every key that no reader asked for.</summary>
    public void Finish(IReadOnlyCollection<string> allowed)
    {
        foreach (var (name, field) in fields)
        {
            if (!consumed.Contains(name))
            {
                string known = string.Join(", ", allowed.Order(StringComparer.Ordinal));
                sink.Error(field.Key, $"{Qualified(name)}: unknown key (expected one of: {known})");
            }
        }
    }

    public string Qualified(string key) => Section.Length == 0 ? key : $"{Section}.{key}";

    private YamlNode? Value(string key, bool required)
    {
        consumed.Add(key);
        if (!fields.TryGetValue(key, out var field) || IsNull(field.Value))
        {
            if (required)
            {
                var at = field.Key ?? (YamlNode)Node;
                sink.Error(at, $"{Qualified(key)}: required");
            }

            return null;
        }

        return field.Value;
    }

    private YamlScalarNode? Scalar(string key, bool required)
    {
        if (Value(key, required) is not { } node)
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            return scalar;
        }

        sink.Error(node, $"{Qualified(key)}: expected a single value, not a {(node is YamlSequenceNode ? "list" : "mapping")}");
        return null;
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" };
}
