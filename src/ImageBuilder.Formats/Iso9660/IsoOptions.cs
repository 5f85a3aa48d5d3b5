using System.Collections.Immutable;

namespace ImageBuilder.Formats.Iso9660;

public enum ElToritoPlatform : byte
{
    X86 = 0x00,
    Efi = 0xEF,
}

/// <summary>
/// One El Torito boot entry. <paramref name="LoadSectors"/> counts 512-byte virtual sectors (BIOS loads only
/// these); null means "the whole image", which UEFI entries want.
/// </summary>
public sealed record ElToritoImage(string Path, ElToritoPlatform Platform, int? LoadSectors = 4, bool PatchBootInfoTable = false)
{
    /// <summary>Patch GRUB's hybrid boot info (xorriso's --grub2-boot-info) so the image also boots from a disk.</summary>
    public bool PatchGrubBootInfo { get; init; }
}

public sealed record IsoOptions
{
    public required string VolumeId { get; init; }

    /// <summary>Seconds since 1970: every timestamp on the disc.</summary>
    public required long Epoch { get; init; }

    public string SystemId { get; init; } = "LINUX";

    public string VolumeSetId { get; init; } = string.Empty;

    public string PublisherId { get; init; } = string.Empty;

    public string ApplicationId { get; init; } = "IMAGEBUILDER";

    public ImmutableArray<ElToritoImage> BootImages { get; init; } = [];

    /// <summary>When set, the image is also a partitioned disk (MBR + GPT) for USB sticks.</summary>
    public HybridDisk? Hybrid { get; init; }

    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeSeconds(Epoch);
}
