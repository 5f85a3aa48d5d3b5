using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;

namespace Hv.Kernel.Inspection;

/// <summary>
/// What the dynamic loader needs to run an ELF file: the libraries it names (DT_NEEDED), where it says to look
/// (DT_RUNPATH, else DT_RPATH), its own soname and its program interpreter. A static file has none of these.
/// Little-endian ELF32 and ELF64 (what x86 runs); everything is bounds-checked so a damaged file is reported, not read past.
/// </summary>
public sealed record ElfDynamic(ImmutableArray<string> Needed, ImmutableArray<string> RunPath, string? SoName, string? Interpreter)
{
    private const uint PtLoad = 1;
    private const uint PtDynamic = 2;
    private const uint PtInterp = 3;
    private const long DtNull = 0;
    private const long DtNeeded = 1;
    private const long DtStrTab = 5;
    private const long DtStrSize = 10;
    private const long DtSoName = 14;
    private const long DtRPath = 15;
    private const long DtRunPath = 29;

    public bool IsDynamic => Interpreter is not null || !Needed.IsEmpty || SoName is not null;

    /// <summary>True when the bytes start with the ELF magic.</summary>
    public static bool IsElf(ReadOnlySpan<byte> head) => head.StartsWith("\u007FELF"u8);

    public static ElfDynamic ReadFile(string path) => Read(File.ReadAllBytes(path), path);

    public static ElfDynamic Read(byte[] file, string name)
    {
        if (!IsElf(file))
        {
            throw new InspectionException($"{name}: not an ELF file (no \\x7FELF magic)");
        }

        if (file.Length < 0x34)
        {
            throw new InspectionException($"{name}: ELF header truncated ({file.Length} bytes)");
        }

        bool wide = file[4] switch
        {
            1 => false,
            2 => true,
            _ => throw new InspectionException($"{name}: ELF class {file[4]} is neither 32- nor 64-bit"),
        };
        if (file[5] != 1)
        {
            throw new InspectionException($"{name}: big-endian or unknown ELF data encoding {file[5]}; only little-endian files are read");
        }

        var reader = new Fields(file, wide, name);
        if (wide && file.Length < 0x40)
        {
            throw new InspectionException($"{name}: ELF header truncated ({file.Length} bytes)");
        }

        long phoff = wide ? reader.Word(0x20) : reader.Word(0x1C);
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(wide ? 0x36 : 0x2A));
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(wide ? 0x38 : 0x2C));
        int minimum = wide ? 56 : 32;
        if (phnum > 0 && phentsize < minimum)
        {
            throw new InspectionException($"{name}: program header entries of {phentsize} bytes (at least {minimum} expected)");
        }

        var segments = new List<Segment>();
        for (int i = 0; i < phnum; i++)
        {
            long at = phoff + ((long)i * phentsize);
            reader.Require(at, minimum, $"program header {i}");
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)at));
            segments.Add(wide
                ? new Segment(type, reader.Word(at + 8), reader.Word(at + 16), reader.Word(at + 32))
                : new Segment(type, reader.Word(at + 4), reader.Word(at + 8), reader.Word(at + 16)));
        }

        string? interpreter = segments.FirstOrDefault(s => s.Type == PtInterp) is { } interp
            ? reader.String(interp.Offset, interp.FileSize, "PT_INTERP")
            : null;
        if (segments.FirstOrDefault(s => s.Type == PtDynamic) is not { } dynamic)
        {
            return new ElfDynamic([], [], null, interpreter);
        }

        int entry = wide ? 16 : 8;
        reader.Require(dynamic.Offset, dynamic.FileSize, "PT_DYNAMIC");
        var entries = new List<(long Tag, long Value)>();
        for (long at = dynamic.Offset; at + entry <= dynamic.Offset + dynamic.FileSize; at += entry)
        {
            long tag = wide ? reader.Word(at) : (int)reader.Word(at);
            if (tag == DtNull)
            {
                break;
            }

            entries.Add((tag, reader.Word(at + (entry / 2))));
        }

        long? table = entries.Where(e => e.Tag == DtStrTab).Select(e => (long?)e.Value).FirstOrDefault();
        long size = entries.Where(e => e.Tag == DtStrSize).Select(e => e.Value).FirstOrDefault();
        if (table is null)
        {
            throw new InspectionException($"{name}: dynamic section has no DT_STRTAB");
        }

        var load = segments.FirstOrDefault(s => s.Type == PtLoad && table >= s.Address && table < s.Address + s.FileSize)
            ?? throw new InspectionException($"{name}: DT_STRTAB address 0x{table:X} lies in no loaded segment");
        long strings = load.Offset + (table.Value - load.Address);
        reader.Require(strings, size, "the dynamic string table");

        string At(long offset, string what) => offset < 0 || offset >= size
            ? throw new InspectionException($"{name}: {what} string offset {offset} is outside the string table ({size} bytes)")
            : reader.String(strings + offset, size - offset, what);

        var needed = entries.Where(e => e.Tag == DtNeeded).Select(e => At(e.Value, "DT_NEEDED")).ToImmutableArray();
        string? soname = entries.Where(e => e.Tag == DtSoName).Select(e => At(e.Value, "DT_SONAME")).FirstOrDefault();
        string? runPath = entries.Where(e => e.Tag == DtRunPath).Select(e => At(e.Value, "DT_RUNPATH")).FirstOrDefault()
            ?? entries.Where(e => e.Tag == DtRPath).Select(e => At(e.Value, "DT_RPATH")).FirstOrDefault();
        var paths = runPath is null ? [] : runPath.Split(':', StringSplitOptions.RemoveEmptyEntries).ToImmutableArray();
        return new ElfDynamic(needed, paths, soname, interpreter);
    }

    private sealed record Segment(uint Type, long Offset, long Address, long FileSize);

    private sealed class Fields(byte[] file, bool wide, string name)
    {
        public long Word(long at)
        {
            Require(at, wide ? 8 : 4, "a header field");
            ulong value = wide ? BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan((int)at)) : BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)at));
            return value > long.MaxValue ? throw new InspectionException($"{name}: field at {at} is out of range (0x{value:X})") : (long)value;
        }

        public void Require(long offset, long length, string what)
        {
            if (offset < 0 || length < 0 || offset > file.Length || length > file.Length - offset)
            {
                throw new InspectionException($"{name}: {what} (offset {offset}, {length} bytes) lies beyond the end of the file ({file.Length} bytes)");
            }
        }

        /// <summary>A NUL-terminated string within the given bound.</summary>
        public string String(long offset, long limit, string what)
        {
            Require(offset, limit, what);
            var span = file.AsSpan((int)offset, (int)limit);
            int end = span.IndexOf((byte)0);
            return end < 0
                ? throw new InspectionException($"{name}: {what} string at {offset} is not terminated")
                : Encoding.UTF8.GetString(span[..end]);
        }
    }
}
