using System.Collections.Immutable;
using System.Text.Json;
using ImageBuilder.Common;
using ImageBuilder.Common.Processes;

namespace ImageBuilder.Sticks;

/// <summary>
/// A block device as lsblk (util-linux) reports it, with what sits on it: its partitions and the devices built over it
/// (device mapper, LVM, RAID, crypt), each with where it is mounted. The same source disk tools such as balenaEtcher's
/// drive list read on Linux: the kernel's view (sysfs and the mount table), not a guess of ours.
/// </summary>
public sealed record BlockDevice(
    string Path,
    string Number,
    long Bytes,
    string Type,
    bool Removable,
    bool Hotplug,
    bool ReadOnly,
    string? Parent,
    string? Model,
    string? Transport,
    ImmutableArray<string> MountPoints,
    ImmutableArray<BlockDevice> Children)
{
    /// <summary>The fields asked of lsblk, in its own names.</summary>
    private const string Columns = "PATH,MAJ:MIN,SIZE,TYPE,RM,HOTPLUG,RO,PKNAME,MODEL,TRAN,MOUNTPOINTS";

    /// <summary>This device and everything over it, depth first.</summary>
    public IEnumerable<BlockDevice> SelfAndDescendants() => Children.SelectMany(c => c.SelfAndDescendants()).Prepend(this);

    /// <summary>What a person recognises the device by: its path, model and size.</summary>
    public string Label => $"{Path} ({(Model is { Length: > 0 } model ? model + ", " : string.Empty)}{Sizes.Describe(Bytes)})";

    /// <summary>lsblk's report on <paramref name="path"/> (a device node or a link to one, such as /dev/disk/by-id/…).</summary>
    /// <exception cref="ImageBuilderException">lsblk refused it (not a block device, no such file) or is missing.</exception>
    public static async Task<BlockDevice> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunUncheckedAsync(
            ProcessSpec.Of("lsblk", "--json", "--bytes", "--output", Columns, "--", path) with { Hint = "apt-get install util-linux" },
            cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            string said = result.StandardError.Trim();
            throw new ImageBuilderException(said.Length > 0 ? said.Replace("lsblk: ", string.Empty, StringComparison.Ordinal) : $"{path}: lsblk exited with {result.ExitCode}");
        }

        return Parse(result.StandardOutput, path);
    }

    /// <summary>The one device of lsblk's JSON report (--json --bytes with <see cref="Columns"/>).</summary>
    public static BlockDevice Parse(string json, string path)
    {
        using var document = JsonDocument.Parse(json);
        var devices = document.RootElement.GetProperty("blockdevices");
        if (devices.GetArrayLength() != 1)
        {
            throw new ImageBuilderException($"{path}: lsblk reported {devices.GetArrayLength()} devices, not one");
        }

        return From(devices[0]);
    }

    private static BlockDevice From(JsonElement device) => new(
        Text(device, "path") ?? throw new ImageBuilderException("lsblk reported a device without a path"),
        Text(device, "maj:min") ?? string.Empty,
        device.GetProperty("size").ValueKind == JsonValueKind.Number ? device.GetProperty("size").GetInt64() : 0,
        Text(device, "type") ?? string.Empty,
        Flag(device, "rm"),
        Flag(device, "hotplug"),
        Flag(device, "ro"),
        Text(device, "pkname"),
        Text(device, "model")?.Trim(),
        Text(device, "tran"),
        device.TryGetProperty("mountpoints", out var points)
            ? [.. points.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.String).Select(p => p.GetString()!)]
            : [],
        device.TryGetProperty("children", out var children) ? [.. children.EnumerateArray().Select(From)] : []);

    private static string? Text(JsonElement device, string name) =>
        device.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // lsblk 2.38 writes booleans as true/false; older ones as "1"/"0".
    private static bool Flag(JsonElement device, string name) =>
        device.TryGetProperty(name, out var value) && (value.ValueKind == JsonValueKind.True || (value.ValueKind == JsonValueKind.String && value.GetString() == "1"));
}
