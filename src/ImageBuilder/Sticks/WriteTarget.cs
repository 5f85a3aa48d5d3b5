using System.Collections.Immutable;

namespace ImageBuilder.Sticks;

/// <summary>A device named on the command line, as lsblk reports it, and every reason it must not be written.</summary>
public sealed record WriteTarget(string Argument, BlockDevice Device, ImmutableArray<string> Refusals)
{
    public bool Refused => !Refusals.IsEmpty;

    /// <summary>The device types that hold a whole medium: a disk, a loop device, a device-mapper device of its own.</summary>
    private static readonly ImmutableHashSet<string> WritableTypes = ["disk", "loop", "dm"];

    /// <summary>
    /// Checks one device for an image of <paramref name="imageBytes"/>: a whole device (not a partition, a CD drive or a
    /// volume of LVM, RAID or crypt), writable, large enough, nothing on it mounted or used as swap, nothing built over it,
    /// not the device of the running system's root, and removable (or on USB) unless <paramref name="allowFixed"/>.
    /// <paramref name="earlier"/> are the targets named before it (the same device twice is refused).
    /// </summary>
    public static WriteTarget Check(string argument, BlockDevice device, long imageBytes, bool allowFixed, IEnumerable<WriteTarget> earlier)
    {
        ArgumentNullException.ThrowIfNull(device);
        var refusals = new List<string>();
        if (device.Type == "part")
        {
            refusals.Add($"is a partition{(device.Parent is { } disk ? $" of /dev/{disk}" : string.Empty)}: give the whole device, the image has a partition table of its own");
        }
        else if (!WritableTypes.Contains(device.Type))
        {
            refusals.Add($"is a {device.Type} device, not a disk");
        }

        if (earlier.FirstOrDefault(e => e.Device.Number == device.Number) is { } same)
        {
            refusals.Add($"is the same device as {same.Argument}");
        }

        if (device.ReadOnly)
        {
            refusals.Add("is read-only (a write-protect switch, or the kernel's ro flag)");
        }

        if (device.Bytes < imageBytes)
        {
            refusals.Add($"holds {Sizes.Describe(device.Bytes)}; the image needs {Sizes.Describe(imageBytes)}");
        }

        var everything = device.SelfAndDescendants().ToList();
        if (everything.Any(d => d.MountPoints.Contains("/")))
        {
            refusals.Add("holds the running system's root file system (/)");
        }
        else if (everything.SelectMany(d => d.MountPoints.Select(m => (d.Path, Mount: m))).ToList() is { Count: > 0 } mounts)
        {
            refusals.Add("is in use: " + string.Join(", ", mounts.Select(m => m.Mount == "[SWAP]" ? $"{m.Path} is swap" : $"{m.Path} is mounted at {m.Mount}")));
        }

        var over = everything.Skip(1).Where(d => d.Type != "part").ToList();
        if (over.Count > 0)
        {
            refusals.Add("has devices built over it: " + string.Join(", ", over.Select(d => $"{d.Path} ({d.Type})")));
        }

        if (!allowFixed && !device.Removable && !device.Hotplug && device.Transport != "usb")
        {
            refusals.Add("is a fixed disk (neither removable nor on USB); give --allow-fixed if it is the one you mean");
        }

        return new WriteTarget(argument, device, [.. refusals]);
    }
}
