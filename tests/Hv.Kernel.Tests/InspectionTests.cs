using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Hv.Kernel.Inspection;

namespace Hv.Kernel.Tests;

public sealed class Multiboot2HeaderTests
{
    [Fact]
    public void A_valid_header_is_found_with_its_tags()
    {
        var header = Multiboot2Header.Read(Image(offset: 152), "xen");

        Assert.Equal(152, header.Offset);
        Assert.Equal([1], header.TagTypes);
    }

    [Fact]
    public void A_gzip_compressed_image_is_read_after_gunzip()
    {
        string path = Path.GetTempFileName();
        try
        {
            using (var file = File.Create(path))
            using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            {
                gzip.Write(Image(offset: 64));
            }

            Assert.Equal(64, Multiboot2Header.ReadFile(path).Offset);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_bad_checksum_is_named()
    {
        var image = Image(offset: 8);
        image[8 + 12] ^= 1;

        var e = Assert.Throws<InspectionException>(() => Multiboot2Header.Read(image, "xen.gz"));
        Assert.Equal("xen.gz: no valid multiboot2 header in the first 32 KiB (multiboot2 header at offset 8 has a bad checksum)", e.Message);
    }

    [Fact]
    public void A_header_beyond_32_kib_does_not_count()
    {
        var e = Assert.Throws<InspectionException>(() => Multiboot2Header.Read(Image(offset: 40_000), "xen"));
        Assert.StartsWith("xen: no valid multiboot2 header in the first 32 KiB", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_without_end_tag_is_rejected()
    {
        var image = Image(offset: 0);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(16 + 8), 9); // the end tag becomes tag 9 of size 8

        var e = Assert.Throws<InspectionException>(() => Multiboot2Header.Read(image, "xen"));
        Assert.Contains("no end tag", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_is_not_a_hypervisor() =>
        Assert.Throws<InspectionException>(() => Multiboot2Header.Read(new byte[100], "random.bin"));

    /// <summary>Header: magic, arch 0, length 32, checksum; one 8-byte tag of type 1; end tag.</summary>
    internal static byte[] Image(int offset)
    {
        var image = new byte[Math.Max(offset + 64, 33 * 1024)];
        var h = image.AsSpan(offset);
        const uint length = 16 + 8 + 8;
        BinaryPrimitives.WriteUInt32LittleEndian(h, Multiboot2Header.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], length);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], unchecked(0u - (Multiboot2Header.Magic + length)));
        BinaryPrimitives.WriteUInt16LittleEndian(h[16..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 8);
        BinaryPrimitives.WriteUInt16LittleEndian(h[24..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[28..], 8);
        return image;
    }
}

public sealed class PeImageTests
{
    [Fact]
    public void An_x64_efi_application_passes()
    {
        var pe = PeImage.Read(Pe(0x8664, 0x20B, 10), "BOOTX64.EFI");

        pe.RequireX64EfiApplication("BOOTX64.EFI");
        Assert.True(pe.Pe32Plus);
    }

    [Theory]
    [InlineData(0x014C, 0x20B, 10, "PE machine 0x014C is not x86-64")]
    [InlineData(0x8664, 0x10B, 10, "PE32, not PE32+")]
    [InlineData(0x8664, 0x20B, 3, "PE subsystem 3 is not an EFI application")]
    public void Other_pe_images_are_refused_with_the_reason(int machine, int magic, int subsystem, string reason)
    {
        var pe = PeImage.Read(Pe((ushort)machine, (ushort)magic, (ushort)subsystem), "x.efi");

        var e = Assert.Throws<InspectionException>(() => pe.RequireX64EfiApplication("x.efi"));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_pe_files_are_refused()
    {
        Assert.Contains("no MZ", Assert.Throws<InspectionException>(() => PeImage.Read(new byte[200], "a")).Message, StringComparison.Ordinal);
        var truncated = Pe(0x8664, 0x20B, 10);
        BinaryPrimitives.WriteInt32LittleEndian(truncated.AsSpan(0x3C), 5000);
        Assert.Contains("no PE signature", Assert.Throws<InspectionException>(() => PeImage.Read(truncated, "b")).Message, StringComparison.Ordinal);
    }

    private static byte[] Pe(ushort machine, ushort magic, ushort subsystem)
    {
        var image = new byte[512];
        image[0] = (byte)'M';
        image[1] = (byte)'Z';
        BinaryPrimitives.WriteInt32LittleEndian(image.AsSpan(0x3C), 0x80);
        "PE\0\0"u8.CopyTo(image.AsSpan(0x80));
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x84), machine);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x98), magic);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x98 + 68), subsystem);
        return image;
    }
}

public sealed class BzImageAndConfigTests
{
    private const string Dom0Config = "CONFIG_XEN=y\nCONFIG_XEN_PV=y\nCONFIG_XEN_DOM0=y\nCONFIG_HVC_XEN=y\nCONFIG_XENFS=m\nCONFIG_XEN_GNTDEV=m\nCONFIG_XEN_DEV_EVTCHN=m\nCONFIG_XEN_BLKDEV_BACKEND=m\nCONFIG_XEN_NETDEV_BACKEND=y\n# CONFIG_DEBUG is not set\nCONFIG_LOCALVERSION=\"-test\"\n";

    [Fact]
    public void A_bzimage_header_is_read()
    {
        var header = BzImage.Read(BzImageWith([1, 2, 3]), "vmlinuz");

        Assert.Equal("2.15", header.Version);
        Assert.Equal(4 * 512 + 512, header.PayloadFileOffset);
        Assert.Equal(3, header.PayloadLength);
    }

    [Theory]
    [InlineData(0x1FE, "no boot flag 0xAA55")]
    [InlineData(0x202, "no \"HdrS\" boot protocol header")]
    public void Malformed_bzimages_are_named(int corrupt, string reason)
    {
        var image = BzImageWith([0]);
        image[corrupt] ^= 0xFF;

        Assert.Contains(reason, Assert.Throws<InspectionException>(() => BzImage.Read(image, "vmlinuz")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Old_protocols_and_zimages_are_refused()
    {
        var old = BzImageWith([0]);
        BinaryPrimitives.WriteUInt16LittleEndian(old.AsSpan(0x206), 0x0204);
        var low = BzImageWith([0]);
        low[0x211] = 0;

        Assert.Contains("older than 2.08", Assert.Throws<InspectionException>(() => BzImage.Read(old, "k")).Message, StringComparison.Ordinal);
        Assert.Contains("zImage", Assert.Throws<InspectionException>(() => BzImage.Read(low, "k")).Message, StringComparison.Ordinal);
        Assert.Contains("too short", Assert.Throws<InspectionException>(() => BzImage.Read(new byte[100], "k")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_config_with_the_dom0_options_passes_and_values_are_parsed()
    {
        var config = KernelConfig.Parse(Dom0Config, "config");

        Assert.Empty(Dom0Requirements.Unmet(config));
        Assert.Equal("-test", config["CONFIG_LOCALVERSION"]);
        Assert.Null(config["CONFIG_DEBUG"]);
    }

    [Fact]
    public void A_kernel_without_dom0_support_fails_with_every_missing_option_named()
    {
        var config = KernelConfig.Parse(Dom0Config.Replace("CONFIG_XEN_DOM0=y\n", "# CONFIG_XEN_DOM0 is not set\n", StringComparison.Ordinal).Replace("CONFIG_HVC_XEN=y", "CONFIG_HVC_XEN=m", StringComparison.Ordinal), "config-6.1");

        var e = Assert.Throws<InspectionException>(() => Dom0Requirements.Require(config, "kernel 6.1 from linux-image-cloud-amd64"));

        Assert.Equal("kernel 6.1 from linux-image-cloud-amd64 cannot run as Xen Dom0 (config-6.1): CONFIG_XEN_DOM0 is not set (needs y); CONFIG_HVC_XEN is 'm' (needs y)", e.Message);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("xz")]
    public void The_embedded_ikconfig_is_found_in_a_compressed_payload(string compression)
    {
        byte[] vmlinux = [.. Elf, .. new byte[1000], .. "IKCFG_ST"u8.ToArray(), .. Gzip(Encoding.UTF8.GetBytes(Dom0Config)), .. "IKCFG_ED"u8.ToArray(), .. new byte[100]];
        byte[] payload = compression == "gzip" ? Gzip(vmlinux) : Xz(vmlinux);
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, BzImageWith(payload));

            var config = KernelConfig.FromEmbedded(path);

            Assert.NotNull(config);
            Assert.Empty(Dom0Requirements.Unmet(config));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_kernel_without_ikconfig_gives_no_embedded_config()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, BzImageWith(Gzip([.. Elf, .. new byte[5000]])));

            Assert.Null(KernelConfig.FromEmbedded(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_kernel_a_bzimage_carries_is_its_decompressed_payload_of_the_stated_size_and_must_be_elf()
    {
        byte[] vmlinux = [.. Elf, .. Encoding.ASCII.GetBytes("a kernel")];
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, BzImageWith(Xz(vmlinux)));
            Assert.Equal(vmlinux, BzImage.Vmlinux(path));

            File.WriteAllBytes(path, BzImageWith(Gzip(new byte[5000])));
            var notElf = Assert.Throws<InspectionException>(() => BzImage.Vmlinux(path));
            Assert.Equal($"{Path.GetFileName(path)}: the decompressed payload is not an ELF file (first bytes 00000000)", notElf.Message);

            File.WriteAllBytes(path, BzImageWith(Xz(vmlinux, sizeWord: vmlinux.Length + 1)));
            var cut = Assert.Throws<InspectionException>(() => BzImage.Vmlinux(path));
            Assert.Equal($"{Path.GetFileName(path)}: the payload decompressed to {vmlinux.Length} bytes, but its size word says {vmlinux.Length + 1}", cut.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Payloads packed as the kernel's build packs them (arch/x86/boot/compressed/Makefile: the compressor's stream,
    /// then the size word), each by its real tool with the kernel's options where they matter (xz with the x86 BCJ
    /// filter and CRC32, as scripts/xz_wrap.sh runs it; the legacy .lzma and lz4 formats).
    /// </summary>
    [Theory]
    [InlineData("xz", "--check=crc32 --x86 --lzma2=dict=1MiB -c")]
    [InlineData("zstd", "-19 -c")]
    [InlineData("bzip2", "-9 -c")]
    [InlineData("lzma", "-9 -c")]
    [InlineData("lz4", "-l -9 -c")]
    public void Every_kernel_payload_compression_is_read(string tool, string arguments)
    {
        byte[] vmlinux = [.. Elf, .. Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7 % 251)), .. Encoding.ASCII.GetBytes("a kernel")];
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, BzImageWith(Packed(vmlinux, tool, arguments.Split(' '))));

            Assert.Equal(vmlinux, BzImage.Vmlinux(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// A real x86-64 program (the runtime's libcoreclr.so, megabytes of calls and jumps the BCJ filter rewrites),
    /// packed by xz as the kernel's scripts/xz_wrap.sh packs a kernel (one block), and in 1 MiB blocks as xz -T packs
    /// large files, comes back byte for byte.
    /// </summary>
    [Theory]
    [InlineData("--check=crc32 --x86 --lzma2=dict=32MiB -c")]
    [InlineData("--check=crc64 --x86 --lzma2=dict=1MiB --block-size=1MiB -T2 -c")]
    public void A_real_x86_program_packed_like_a_kernel_comes_back_whole(string arguments)
    {
        string program = Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "libcoreclr.so");
        byte[] original = File.ReadAllBytes(program);
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, BzImageWith(Packed(original, "xz", arguments.Split(' '))));

            Assert.True(original.AsSpan().SequenceEqual(BzImage.Vmlinux(path)), "the decoded program differs from the original");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_damaged_payload_is_named()
    {
        byte[] vmlinux = [.. Elf, .. new byte[50_000]];
        string path = Path.GetTempFileName();
        try
        {
            byte[] xz = Xz(vmlinux);
            xz[xz.Length / 2] ^= 0xFF;
            File.WriteAllBytes(path, BzImageWith(xz));
            var damaged = Assert.Throws<InspectionException>(() => BzImage.Vmlinux(path));
            Assert.StartsWith($"{Path.GetFileName(path)}'s kernel payload: ", damaged.Message, StringComparison.Ordinal);

            byte[] gzip = Gzip(vmlinux);
            File.WriteAllBytes(path, BzImageWith(gzip.AsSpan(0, gzip.Length / 2).ToArray()));
            var cut = Assert.Throws<InspectionException>(() => BzImage.Vmlinux(path));
            Assert.StartsWith($"{Path.GetFileName(path)}: the payload decompressed to ", cut.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The ELF magic (the System V ABI's e_ident[EI_MAG0..3]).</summary>
    private static readonly byte[] Elf = [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    internal static byte[] BzImageWith(byte[] payload)
    {
        var image = new byte[(5 * 512) + payload.Length];
        image[0x1F1] = 4;
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x1FE), 0xAA55);
        "HdrS"u8.CopyTo(image.AsSpan(0x202));
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x206), 0x020F);
        image[0x211] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x248), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x24C), (uint)payload.Length);
        payload.CopyTo(image, 5 * 512);
        return image;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>
    /// <paramref name="data"/> packed as the kernel's build packs an xz payload (arch/x86/boot/compressed/Makefile,
    /// xzkern_with_size): the xz stream, then the uncompressed size as a little-endian 32-bit word.
    /// </summary>
    private static byte[] Xz(byte[] data, long? sizeWord = null) => Packed(data, "xz", ["-c"], sizeWord);

    private static byte[] Packed(byte[] data, string tool, string[] arguments, long? sizeWord = null)
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, data);
            byte[] output = RealCompressor.Compress(tool, path, arguments);
            byte[] size = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)(sizeWord ?? data.Length));
            return [.. output, .. size];
        }
        finally
        {
            File.Delete(path);
        }
    }
}
