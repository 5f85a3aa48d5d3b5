using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace ImageBuilder.Recipes;

/// <summary>Collects located diagnostics while recipe sections are read.</summary>
internal sealed class DiagnosticSink(string file)
{
    private readonly List<Diagnostic> diagnostics = [];

    public string File { get; } = file;

    /// <summary>In file order, so a person can walk through them top to bottom: the recipe's, then each template's.</summary>
    public IReadOnlyList<Diagnostic> All => [.. diagnostics.OrderBy(d => d.File == File ? string.Empty : d.File, StringComparer.Ordinal).ThenBy(d => d.Line).ThenBy(d => d.Column)];

    public void Error(YamlNode node, string message) =>
        diagnostics.Add(new Diagnostic(File, (int)node.Start.Line, (int)node.Start.Column, message));

    /// <summary>A mistake in another file the recipe names (a template), at its own line and column.</summary>
    public void Error(string file, int line, int column, string message) =>
        diagnostics.Add(new Diagnostic(file, line, column, message));

    public void Error(YamlDotNet.Core.Mark mark, string message) =>
        diagnostics.Add(new Diagnostic(File, (int)mark.Line, (int)mark.Column, message));
}

/// <summary>
/// Reads one YAML mapping field by field, each as the kind its <see cref="Shape"/> declares. Every problem becomes a
/// diagnostic at the offending node and reading goes on, so one run reports all mistakes. <see cref="Finish"/>
/// reports keys the shape does not have.
/// </summary>
internal sealed class YamlMappingReader
{
    private readonly DiagnosticSink sink;
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> fields = new(StringComparer.Ordinal);
    private readonly HashSet<string> consumed = new(StringComparer.Ordinal);

    public YamlMappingReader(DiagnosticSink sink, YamlMappingNode node, string section, Shape shape)
    {
        this.sink = sink;
        Node = node;
        Section = section;
        Shape = shape;
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

    public Shape Shape { get; }

    public DiagnosticSink Sink => sink;

    /// <summary>Reads a mapping that may be absent; reports a wrong type at the node.</summary>
    public static YamlMappingReader? Open(DiagnosticSink sink, YamlNode? node, string section, Shape shape)
    {
        if (node is null)
        {
            return null;
        }

        if (node is YamlMappingNode mapping)
        {
            return new YamlMappingReader(sink, mapping, section, shape);
        }

        sink.Error(node, section.Length == 0 ? "a recipe is a mapping of keys to values (name: ..., archive: ..., ...)" : $"{section}: expected a mapping of keys to values");
        return null;
    }

    /// <param name="required">Overrides the shape when whether the key is needed depends on the rest of the recipe.</param>
    public string? String(string key, bool? required = null, Func<string, string?>? check = null)
    {
        var field = Declared(key, FieldKind.Text);
        if (Scalar(key, required ?? field.Required) is not { } node)
        {
            return null;
        }

        string value = node.Value ?? string.Empty;
        if ((field.Choices?.Check(value) ?? check?.Invoke(value)) is { } problem)
        {
            sink.Error(node, $"{Qualified(key)}: {problem}");
            return null;
        }

        return value;
    }

    /// <param name="min">Overrides the shape's bound when it depends on the rest of the recipe.</param>
    /// <param name="max">Overrides the shape's bound when it depends on the rest of the recipe.</param>
    public long? Integer(string key, bool? required = null, long? min = null, long? max = null)
    {
        var field = Declared(key, FieldKind.Number);
        if (Scalar(key, required ?? field.Required) is not { } node)
        {
            return null;
        }

        if (!long.TryParse(node.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
        {
            sink.Error(node, $"{Qualified(key)}: expected a whole number, got '{node.Value}'");
            return null;
        }

        long low = min ?? field.Minimum ?? long.MinValue, high = max ?? field.Maximum ?? long.MaxValue;
        if (value < low || value > high)
        {
            sink.Error(node, $"{Qualified(key)}: {value} is out of range ({low} to {high})");
            return null;
        }

        if (!field.Allowed.IsEmpty && !field.Allowed.Contains(value))
        {
            sink.Error(node, $"{Qualified(key)}: {value} is not one of {string.Join(", ", field.Allowed)}");
            return null;
        }

        return value;
    }

    public bool? Boolean(string key, bool? required = null)
    {
        var field = Declared(key, FieldKind.Flag);
        if (Scalar(key, required ?? field.Required) is not { } node)
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

    public YamlMappingReader? Mapping(string key, bool? required = null)
    {
        var field = Declared(key, FieldKind.Mapping);
        return Value(key, required ?? field.Required) is { } node ? Open(sink, node, Qualified(key), field.Shape!) : null;
    }

    /// <summary>A list of mappings, one reader per item (null where an item is not a mapping, which is reported).</summary>
    public IReadOnlyList<YamlMappingReader?> MappingList(string key)
    {
        var field = Declared(key, FieldKind.MappingList);
        return (Sequence(key, field.Required) ?? []).Select(item => Open(sink, item, $"{Qualified(key)}[]", field.Shape!)).ToList();
    }

    public IReadOnlyList<(YamlScalarNode Node, string Value)> StringList(string key, bool? required = null)
    {
        var field = Declared(key, FieldKind.TextList);
        var result = new List<(YamlScalarNode, string)>();
        foreach (var item in Sequence(key, required ?? field.Required) ?? [])
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

    /// <summary>The list's strings that are among the shape's choices and pass <paramref name="check"/>; each one that does not is reported at its node as "KEY: problem".</summary>
    public System.Collections.Immutable.ImmutableArray<string> CheckedStringList(string key, Func<string, string?>? check = null, bool? required = null)
    {
        var choices = Declared(key, FieldKind.TextList).Choices;
        var result = System.Collections.Immutable.ImmutableArray.CreateBuilder<string>();
        foreach (var (node, value) in StringList(key, required))
        {
            if ((choices?.Check(value) ?? check?.Invoke(value)) is { } problem)
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

    /// <summary>The keys the shape leaves free (<see cref="Shape.Free"/>) not read yet; they count as consumed.</summary>
    public IEnumerable<(YamlScalarNode Key, YamlNode Value)> Rest()
    {
        if (Shape.Free is null)
        {
            throw new InvalidOperationException($"recipe shape: {(Section.Length == 0 ? "the recipe" : Section)} takes no free keys");
        }

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

    /// <summary>Reports every key the shape does not have.</summary>
    public void Finish()
    {
        foreach (var (name, field) in fields)
        {
            if (consumed.Contains(name))
            {
                continue;
            }

            if (Shape.Find(name) is not null)
            {
                throw new InvalidOperationException($"recipe shape: {Qualified(name)} is declared but the loader never read it");
            }

            string known = string.Join(", ", Shape.Names.Order(StringComparer.Ordinal));
            sink.Error(field.Key, $"{Qualified(name)}: unknown key (expected one of: {known})");
        }
    }

    public string Qualified(string key) => Section.Length == 0 ? key : $"{Section}.{key}";

    /// <summary>The shape's field; asking for a key the shape lacks, or as another kind, is the loader's mistake, not the recipe's.</summary>
    private Field Declared(string key, FieldKind kind) =>
        Shape.Find(key) is { } field && field.Kind == kind ? field
        : throw new InvalidOperationException($"recipe shape: {Qualified(key)} is not declared as {kind}");

    private List<YamlNode>? Sequence(string key, bool required)
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
