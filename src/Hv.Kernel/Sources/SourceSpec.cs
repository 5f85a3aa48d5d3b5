using System.Collections.Immutable;

namespace Hv.Kernel.Sources;

/// <summary>Where a component's source tree comes from.</summary>
public abstract record SourceSpec
{
    /// <summary>What identifies the content, for cache keys (never a host path).</summary>
    public abstract object Identity { get; }
}

/// <summary>
/// A Debian source package: .dsc and tarballs fetched by apt from the signed Sources index (so the .dsc is
/// verified), unpacked by dpkg-source (which checks every tarball against the .dsc and applies Debian's patches).
/// </summary>
public sealed record DebianSourcePackage(string Package, string Version, ImmutableArray<string> SourceLines, string Keyring) : SourceSpec
{
    public override object Identity => new { kind = "debian-source", Package, Version, sources = SourceLines };
}

/// <summary>A developer's checkout; its content digest is its identity.</summary>
public sealed record LocalTree(string Path, string ContentDigest) : SourceSpec
{
    public override object Identity => new { kind = "local", digest = ContentDigest };
}

/// <summary>An upstream release tarball; its SHA-256 is mandatory and checked before anything is extracted.</summary>
public sealed record UpstreamTarball(Uri Url, string Sha256) : SourceSpec
{
    public override object Identity => new { kind = "tarball", url = Url.ToString(), sha256 = Sha256.ToLowerInvariant() };
}
