using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageBuilder.Planning;

/// <summary>
/// A host file or folder a step reads (a template, an overlay, a keyring). In a step's parameters it enters the key by
/// its content, never by its location, so a moved checkout keeps its cache and an edited file does not.
/// </summary>
[JsonConverter(typeof(HostInputKeyConverter))]
public sealed record HostInput(string Path)
{
    public string Digest() => ContentDigest.Of(Path);

    public override string ToString() => Path;
}

/// <summary>Writes a <see cref="HostInput"/> as its content digest; keys are never read back.</summary>
internal sealed class HostInputKeyConverter : JsonConverter<HostInput>
{
    public override HostInput Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("step parameters are written into keys, never read back");

    public override void Write(Utf8JsonWriter writer, HostInput value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue("sha256:" + value.Digest());
    }
}
