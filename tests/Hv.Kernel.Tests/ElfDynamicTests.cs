using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using Hv.Kernel.Inspection;
using ImageBuilder.Common.Processes;

namespace Hv.Kernel.Tests;

public sealed partial class ElfDynamicTests
{
    [Theory]
    [InlineData("/usr/bin/ls")]
    [InlineData("/usr/bin/gpgv")]
    [InlineData("/usr/lib/x86_64-linux-gnu/libc.so.6")]
    [InlineData("/usr/lib/x86_64-linux-gnu/libz.so.1")]
    public void Host_binaries_read_as_readelf_reads_them(string path)
    {
        var elf = ElfDynamic.ReadFile(path);
        string dynamic = Run("readelf", "-dW", path);
        string program = Run("readelf", "-lW", path);

        Assert.Equal(Tagged(dynamic, "NEEDED"), elf.Needed.ToArray());
        Assert.Equal(Tagged(dynamic, "SONAME").SingleOrDefault(), elf.SoName);
        Assert.Equal(InterpreterLine().Match(program) is { Success: true } m ? m.Groups[1].Value : null, elf.Interpreter);
    }

    [Fact]
    public void A_freshly_linked_program_shows_its_runpath_and_libraries()
    {
        string dir = Directory.CreateTempSubdirectory("elf-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "main.c"), "#include <math.h>\nint main(int c, char **v) { return (int)sqrt((double)c); }\n");
            Run("gcc", "-o", Path.Combine(dir, "main"), Path.Combine(dir, "main.c"), "-lm", "-Wl,--enable-new-dtags,-rpath,/opt/xen/lib:$ORIGIN/../lib");

            var elf = ElfDynamic.ReadFile(Path.Combine(dir, "main"));

            Assert.Contains("libm.so.6", elf.Needed);
            Assert.Contains("libc.so.6", elf.Needed);
            Assert.Equal(["/opt/xen/lib", "$ORIGIN/../lib"], elf.RunPath.ToArray());
            Assert.Equal("/lib64/ld-linux-x86-64.so.2", elf.Interpreter);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Synthetic_files_of_both_classes_read_back(bool wide)
    {
        var elf = ElfDynamic.Read(Synthetic(wide), "lib.so");

        Assert.Equal(["libxenctrl.so.4.17", "libc.so.6"], elf.Needed.ToArray());
        Assert.Equal("libxenlight.so.4.17", elf.SoName);
        Assert.Equal(["/usr/lib/xen/lib"], elf.RunPath.ToArray());
        Assert.Null(elf.Interpreter);
        Assert.True(elf.IsDynamic);
    }

    [Fact]
    public void A_static_file_has_no_dynamic_needs()
    {
        var image = Synthetic(wide: true);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x38), 1); // only the PT_LOAD header remains

        var elf = ElfDynamic.Read(image, "hvmloader");

        Assert.Empty(elf.Needed);
        Assert.False(elf.IsDynamic);
    }

    [Theory]
    [InlineData("magic", "x: not an ELF file")]
    [InlineData("class", "x: ELF class 3 is neither 32- nor 64-bit")]
    [InlineData("big-endian", "x: big-endian or unknown ELF data encoding 2")]
    [InlineData("truncated", "x: ELF header truncated (40 bytes)")]
    [InlineData("phoff", "x: program header 0 (offset 1000000, 56 bytes) lies beyond the end of the file")]
    [InlineData("needed", "x: DT_NEEDED string offset 4096 is outside the string table")]
    [InlineData("strtab", "x: DT_STRTAB address 0x999999 lies in no loaded segment")]
    [InlineData("unterminated", "x: DT_SONAME string at")]
    public void Damaged_files_are_reported_not_read_past(string damage, string message)
    {
        var image = Synthetic(wide: true);
        switch (damage)
        {
            case "magic":
                image[1] = (byte)'X';
                break;
            case "class":
                image[4] = 3;
                break;
            case "big-endian":
                image[5] = 2;
                break;
            case "truncated":
                image = image[..40];
                break;
            case "phoff":
                BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(0x20), 1_000_000);
                break;
            case "needed":
                BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(DynamicAt + 8), 4096);
                break;
            case "strtab":
                BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(DynamicAt + (5 * 16) + 8), 0x999999);
                break;
            case "unterminated":
                // The string table ends with the soname; drop its NUL by shrinking DT_STRSZ by one.
                long size = BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(DynamicAt + (6 * 16) + 8));
                BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(DynamicAt + (6 * 16) + 8), size - 1);
                break;
        }

        var error = Assert.Throws<InspectionException>(() => ElfDynamic.Read(image, "x"));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    private const int DynamicAt = 0x200;
    private const int StringsAt = 0x300;

    /// <summary>
    /// A minimal shared object: one PT_LOAD mapping the file at 0x10000, one PT_DYNAMIC with two DT_NEEDED,
    /// DT_RUNPATH, DT_STRTAB, DT_STRSZ, DT_SONAME (last string) and DT_NULL.
    /// </summary>
    private static byte[] Synthetic(bool wide)
    {
        const long address = 0x10000;
        var image = new byte[0x400];
        "\u007FELF"u8.CopyTo(image);
        image[4] = wide ? (byte)2 : (byte)1;
        image[5] = 1;
        image[6] = 1;
        var strings = new MemoryStream();
        strings.WriteByte(0);
        int Add(string s)
        {
            int at = (int)strings.Length;
            strings.Write(Encoding.ASCII.GetBytes(s + "\0"));
            return at;
        }

        int ctrl = Add("libxenctrl.so.4.17");
        int libc = Add("libc.so.6");
        int run = Add("/usr/lib/xen/lib");
        int soname = Add("libxenlight.so.4.17");
        strings.ToArray().CopyTo(image, StringsAt);
        (long Tag, long Value)[] dynamic = [(1, ctrl), (1, libc), (29, run), (12, 0), (13, 0), (5, address + StringsAt), (10, strings.Length), (14, soname), (0, 0)];
        int phoff = 0x40;
        if (wide)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(0x20), (ulong)phoff);
            BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x36), 56);
            BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x38), 2);
            Program64(image, phoff, 1, 0, address, image.Length);
            Program64(image, phoff + 56, 2, DynamicAt, address + DynamicAt, dynamic.Length * 16);
            for (int i = 0; i < dynamic.Length; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(DynamicAt + (i * 16)), dynamic[i].Tag);
                BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(DynamicAt + (i * 16) + 8), dynamic[i].Value);
            }
        }
        else
        {
            phoff = 0x34;
            BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x1C), (uint)phoff);
            BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x2A), 32);
            BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x2C), 2);
            Program32(image, phoff, 1, 0, address, image.Length);
            Program32(image, phoff + 32, 2, DynamicAt, address + DynamicAt, dynamic.Length * 8);
            for (int i = 0; i < dynamic.Length; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(image.AsSpan(DynamicAt + (i * 8)), (int)dynamic[i].Tag);
                BinaryPrimitives.WriteInt32LittleEndian(image.AsSpan(DynamicAt + (i * 8) + 4), (int)dynamic[i].Value);
            }
        }

        return image;
    }

    private static void Program64(byte[] image, int at, uint type, long offset, long address, long size)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(at), type);
        BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(at + 8), offset);
        BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(at + 16), address);
        BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(at + 32), size);
        BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(at + 40), size);
    }

    private static void Program32(byte[] image, int at, uint type, long offset, long address, long size)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(at), type);
        BinaryPrimitives.WriteInt32LittleEndian(image.AsSpan(at + 4), (int)offset);
        BinaryPrimitives.WriteInt32LittleEndian(image.AsSpan(at + 8), (int)address);
        BinaryPrimitives.WriteInt32LittleEndian(image.AsSpan(at + 16), (int)size);
        BinaryPrimitives.WriteInt32LittleEndian(image.AsSpan(at + 20), (int)size);
    }

    private static string Run(string program, params string[] arguments) => ProcessRunner.Run(ProcessSpec.Of(program, arguments)).StandardOutput;

    /// <summary>readelf -d prints e.g. " 0x0000000000000001 (NEEDED)  Shared library: [libc.so.6]".</summary>
    private static string[] Tagged(string readelf, string tag) =>
        [.. readelf.Split('\n').Where(l => l.Contains($"({tag})", StringComparison.Ordinal)).Select(l => BracketValue().Match(l).Groups[1].Value)];

    [GeneratedRegex(@"\[([^\]]*)\]\s*$")]
    private static partial Regex BracketValue();

    [GeneratedRegex(@"Requesting program interpreter: ([^\]]+)\]")]
    private static partial Regex InterpreterLine();
}
