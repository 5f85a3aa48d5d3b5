using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ImageBuilder.Recipes;

/// <summary>
/// The JSON Schema (draft-07, what YAML editors' language servers read; YAML 1.2's types, so `off` is text, not
/// false) of a recipe, written from <see cref="RecipeShape"/>: keys, kinds, required keys, bounds and words. What only the loader can check (names,
/// URLs, paths, how fields depend on each other) stays with the loader.
/// </summary>
public static class RecipeSchema
{
    public const string FileName = "recipe.schema.json";

    public static string Json()
    {
        var buffer = new MemoryStream();
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var json = new Utf8JsonWriter(buffer, options))
        {
            json.WriteStartObject();
            json.WriteString("$schema", "http://json-schema.org/draft-07/schema#");
            json.WriteString("title", "ImageBuilder recipe");
            json.WriteString("description", "One YAML recipe: Xen, a live Debian Dom0, its guests and a boot menu, built into a hybrid BIOS/UEFI image.");
            WriteMapping(json, RecipeShape.Recipe);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteMapping(Utf8JsonWriter json, Shape shape, bool nullable = false)
    {
        WriteType(json, nullable, "object");
        json.WriteStartObject("properties");
        foreach (var field in shape.Fields)
        {
            json.WriteStartObject(field.Name);
            WriteField(json, field);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        string[] required = [.. shape.Fields.Where(f => f.Required).Select(f => f.Name)];
        if (required.Length > 0)
        {
            json.WriteStartArray("required");
            foreach (string name in required)
            {
                json.WriteStringValue(name);
            }

            json.WriteEndArray();
        }

        if (shape.ExactlyOne)
        {
            json.WriteNumber("minProperties", 1);
            json.WriteNumber("maxProperties", 1);
        }

        if (shape.Free is { } free)
        {
            json.WriteStartObject("patternProperties");
            json.WriteStartObject(free.KeyPattern);
            json.WriteString("description", free.Description);
            json.WriteStartArray("type");
            json.WriteStringValue("string");
            json.WriteStringValue("integer");
            json.WriteStringValue("boolean");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteBoolean("additionalProperties", false);
    }

    private static void WriteField(Utf8JsonWriter json, Field field)
    {
        json.WriteString("description", field.Description);
        switch (field.Kind)
        {
            case FieldKind.Text when field.Choices is not null:
                WriteType(json, Nullable(field), "string");
                WriteChoices(json, field.Choices);
                break;
            case FieldKind.Text:
                // The loader reads any scalar as text: `version: 4.17` or `name: 2024` are text to it, numbers to YAML.
                WriteType(json, Nullable(field), "string", "number", "boolean");
                break;
            case FieldKind.Number:
                WriteType(json, Nullable(field), "integer");
                if (field.Minimum is { } minimum)
                {
                    json.WriteNumber("minimum", minimum);
                }

                if (field.Maximum is { } maximum)
                {
                    json.WriteNumber("maximum", maximum);
                }

                if (!field.Allowed.IsEmpty)
                {
                    json.WriteStartArray("enum");
                    foreach (long value in field.Allowed)
                    {
                        json.WriteNumberValue(value);
                    }

                    json.WriteEndArray();
                }

                break;
            case FieldKind.Flag:
                WriteType(json, Nullable(field), "boolean");
                break;
            case FieldKind.Mapping:
                WriteMapping(json, field.Shape!, Nullable(field));
                break;
            case FieldKind.TextList:
                WriteArray(json, field, items =>
                {
                    items.WriteString("type", "string");
                    items.WriteNumber("minLength", 1);
                    WriteChoices(items, field.Choices);
                });
                break;
            case FieldKind.MappingList:
                WriteArray(json, field, items => WriteMapping(items, field.Shape!));
                break;
            default:
                throw new InvalidOperationException($"recipe shape: {field.Name} has no JSON Schema type for {field.Kind}");
        }
    }

    private static void WriteArray(Utf8JsonWriter json, Field field, Action<Utf8JsonWriter> items)
    {
        WriteType(json, Nullable(field), "array");
        if (field.MinItems is { } minItems)
        {
            json.WriteNumber("minItems", minItems);
        }

        json.WriteStartObject("items");
        items(json);
        json.WriteEndObject();
    }

    /// <summary>`key:` with no value is null in YAML; the loader reads it as the key left out, so an optional key may be null.</summary>
    private static bool Nullable(Field field) => field.Nullable || !field.Required;

    private static void WriteType(Utf8JsonWriter json, bool nullable, params string[] types)
    {
        string[] all = nullable ? [.. types, "null"] : types;
        if (all.Length == 1)
        {
            json.WriteString("type", all[0]);
            return;
        }

        json.WriteStartArray("type");
        foreach (string type in all)
        {
            json.WriteStringValue(type);
        }

        json.WriteEndArray();
    }

    private static void WriteChoices(Utf8JsonWriter json, Choices? choices)
    {
        if (choices is null)
        {
            return;
        }

        json.WriteStartArray("enum");
        foreach (string word in choices.Words)
        {
            json.WriteStringValue(word);
        }

        json.WriteEndArray();
    }
}
