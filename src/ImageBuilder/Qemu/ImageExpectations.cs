using System.Collections.Immutable;
using System.Text.Json;
using ImageBuilder.Common;

namespace ImageBuilder.Qemu;

/// <summary>One thing a boot must show: a serial-console marker, named for a report.</summary>
/// <param name="WholeLine">The marker must end its line: "guest_type=PV" is not seen in "guest_type=PVH".</param>
public sealed record BootCheck(string Name, string Marker, bool WholeLine = false)
{
    /// <summary>The text watched for: a serial console ends every line with a carriage return (the tty's onlcr).</summary>
    public string Text => WholeLine ? Marker + "\r" : Marker;
}

/// <summary>
/// What every boot of an image must show, read from the manifest `imagebuilder build` wrote beside it: the Dom0
/// ready, each autostart guest ready as the type it was declared (the type the guest itself reads), and the
/// unattended demo done; a demo step that fails ends the boot at once.
/// </summary>
public sealed record ImageExpectations(string Name, ImmutableArray<Firmware> Firmware, ImmutableArray<BootCheck> Checks)
{
    public const string DemoFailed = "IMAGEBUILDER-DEMO-FAILED";

    public static ImageExpectations FromManifest(string manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ManifestView view;
        try
        {
            view = JsonSerializer.Deserialize<ManifestView>(File.ReadAllBytes(manifest), Options)
                ?? throw new JsonException("the file holds null");
        }
        catch (JsonException e)
        {
            throw new ImageBuilderException($"{manifest}: not a manifest imagebuilder build wrote: {e.Message}") { Hint = "build the image again" };
        }

        if (view.Name is null || view.Firmware is null || view.Demo is null || view.Guests is null || view.Guests.Any(g => g.Name is null || g.Type is null))
        {
            throw new ImageBuilderException($"{manifest}: has no name, firmware, demo or guests (written by an older imagebuilder)") { Hint = "build the image again" };
        }

        var checks = ImmutableArray.CreateBuilder<BootCheck>();
        checks.Add(new BootCheck("Dom0 ready", "IMAGEBUILDER-DOM0-READY"));
        foreach (var guest in view.Guests.Where(g => g.Autostart))
        {
            checks.Add(new BootCheck($"guest {guest.Name} ready", $"IMAGEBUILDER-DOMU-READY name={guest.Name} guest_type={guest.Type!.ToUpperInvariant()}", WholeLine: true));
        }

        if (view.Demo == "unattended")
        {
            checks.Add(new BootCheck("demo done", "IMAGEBUILDER-DEMO-DONE"));
        }

        var firmware = view.Firmware.Select(f => Enum.TryParse<Firmware>(f, ignoreCase: true, out var kind) ? kind
            : throw new ImageBuilderException($"{manifest}: '{f}' is not a firmware (bios or uefi)")).ToImmutableArray();
        return new ImageExpectations(view.Name, firmware, checks.ToImmutable());
    }

    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

#pragma warning disable CA1812, CA1819 // Made by the JSON reader; serialised data.
    private sealed record ManifestView(string? Name, string[]? Firmware, string? Demo, GuestView[]? Guests);

    private sealed record GuestView(string? Name, string? Type, bool Autostart);
#pragma warning restore CA1812, CA1819
}
