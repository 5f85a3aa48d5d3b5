using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Hv.Kernel.Sources;
using ImageBuilder.Common;

namespace Hv.Kernel.Tests;

public sealed class SafeTarExtractorTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("ib-tar").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void A_release_tarball_is_extracted_with_its_top_folder_stripped()
    {
        string archive = Tar("good.tar.gz", gzip: true,
            Dir("xen-4.17.5/"), File("xen-4.17.5/xen/Makefile", "all:\n"), Link("xen-4.17.5/xen/alias", "Makefile"), Hard("xen-4.17.5/copy", "xen-4.17.5/xen/Makefile"));

        SafeTarExtractor.Extract(archive, Path.Combine(dir, "out"));

        Assert.Equal("all:\n", System.IO.File.ReadAllText(Path.Combine(dir, "out/xen/Makefile")));
        Assert.Equal("Makefile", new FileInfo(Path.Combine(dir, "out/xen/alias")).LinkTarget);
        Assert.Equal("all:\n", System.IO.File.ReadAllText(Path.Combine(dir, "out/copy")));
    }

    /// <summary>Tarballs compressed by the real tools (as releases are) are read in process.</summary>
    [Theory]
    [InlineData("xz", "xz")]
    [InlineData("bzip2", "bz2")]
    [InlineData("zstd", "zst")]
    [InlineData("lzma", "lzma")]
    public void A_tarball_compressed_by_its_tool_is_extracted(string tool, string extension)
    {
        byte[] compressed = RealCompressor.Compress(tool, Tar("plain.tar", gzip: false, Dir("p/"), File("p/a.txt", "a"), File("p/big.bin", new string('x', 300_000))));
        string archive = Path.Combine(dir, "p.tar." + extension);
        System.IO.File.WriteAllBytes(archive, compressed);

        SafeTarExtractor.Extract(archive, Path.Combine(dir, "out"));

        Assert.Equal("a", System.IO.File.ReadAllText(Path.Combine(dir, "out/a.txt")));
        Assert.Equal(new string('x', 300_000), System.IO.File.ReadAllText(Path.Combine(dir, "out/big.bin")));
    }

    [Theory]
    [InlineData("xz", "xz")]
    [InlineData("bzip2", "bz2")]
    [InlineData("zstd", "zst")]
    [InlineData("lzma", "lzma")]
    [InlineData("gzip", "gz")]
    public void A_compressed_tarball_cut_in_half_is_refused_by_name_without_a_trace(string tool, string extension)
    {
        byte[] compressed = RealCompressor.Compress(tool, Tar("plain.tar", gzip: false, Dir("p/"), File("p/a.txt", new string('a', 100_000)), File("p/b.txt", "b")));
        string archive = Path.Combine(dir, "cut.tar." + extension);
        System.IO.File.WriteAllBytes(archive, compressed.AsSpan(0, compressed.Length / 2).ToArray());

        var e = Assert.ThrowsAny<ImageBuilderException>(() => SafeTarExtractor.Extract(archive, Path.Combine(dir, "out")));

        Assert.StartsWith($"cut.tar.{extension}: ", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "out/p")) || System.IO.File.Exists(Path.Combine(dir, "out/a.txt")));
    }

    [Theory]
    [InlineData("dotdot", "refusing entry 'x/../../evil': '..' in its name")]
    [InlineData("absolute", "refusing entry '/etc/evil': absolute name")]
    [InlineData("symlink", "refusing entry 'x/link': symlink target '../../outside' leads outside the target")]
    [InlineData("absolute-symlink", "refusing entry 'x/link': symlink to absolute path '/etc/passwd'")]
    [InlineData("hardlink", "refusing entry 'x/hard': hard link to '../outside' leads outside the target")]
    public void Entries_escaping_the_target_are_refused_naming_archive_and_entry(string kind, string message)
    {
        PaxTarEntry evil = kind switch
        {
            "dotdot" => File("x/../../evil", "boom"),
            "absolute" => File("/etc/evil", "boom"),
            "symlink" => Link("x/link", "../../outside"),
            "absolute-symlink" => Link("x/link", "/etc/passwd"),
            _ => Hard("x/hard", "../outside"),
        };
        string archive = Tar($"{kind}.tar", gzip: false, Dir("x/"), File("x/ok", "ok"), evil);

        var e = Assert.Throws<ImageBuilderException>(() => SafeTarExtractor.Extract(archive, Path.Combine(dir, "out")));

        Assert.Equal($"{kind}.tar: {message}", e.Message);
        Assert.False(System.IO.File.Exists(Path.Combine(dir, "evil")));
    }

    [Fact]
    public async Task A_tarball_whose_sha256_differs_is_not_extracted()
    {
        string archive = Tar("release.tar.gz", gzip: true, Dir("r/"), File("r/xen/Makefile", "x"));
        string wrong = new('0', 64);

        var e = await Assert.ThrowsAsync<ImageBuilderException>(() => SourceFetcher.FetchAsync(new UpstreamTarball(new Uri(archive), wrong), Path.Combine(dir, "src"), Path.Combine(dir, "log"), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains($"the recipe says {wrong}; nothing was extracted", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "src", "xen")));
    }

    [Fact]
    public async Task A_tarball_with_the_right_sha256_becomes_the_source_tree()
    {
        string archive = Tar("release.tar.gz", gzip: true, Dir("r/"), File("r/xen/Makefile", "x"));
        string sha = Convert.ToHexStringLower(SHA256.HashData(System.IO.File.ReadAllBytes(archive)));

        await SourceFetcher.FetchAsync(new UpstreamTarball(new Uri(archive), sha.ToUpperInvariant()), Path.Combine(dir, "src"), Path.Combine(dir, "log"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("x", System.IO.File.ReadAllText(Path.Combine(dir, "src/xen/Makefile")));
    }

    private static PaxTarEntry Dir(string name) => new PaxTarEntry(TarEntryType.Directory, name);

    private static PaxTarEntry File(string name, string text) =>
        new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)) };

    private static PaxTarEntry Link(string name, string target) => new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target };

    private static PaxTarEntry Hard(string name, string target) => new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target };

    private string Tar(string name, bool gzip, params TarEntry[] entries)
    {
        string path = Path.Combine(dir, name);
        using var file = System.IO.File.Create(path);
        using Stream output = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        using var writer = new TarWriter(output, TarEntryFormat.Pax);
        foreach (var entry in entries)
        {
            writer.WriteEntry(entry);
        }

        return path;
    }
}
