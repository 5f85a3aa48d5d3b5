using System.Collections.Immutable;
using System.Text;
using Hv.Kernel.Inspection;

namespace Hv.Kernel.Build;

/// <summary>A dynamically linked file of a tree, by its path in the tree.</summary>
public sealed record ElfObject(string Path, ElfDynamic Dynamic);

/// <summary>What a tree needs from outside itself to run: shared libraries by soname, and script interpreters by path.</summary>
public sealed record RuntimeNeeds(ImmutableArray<ElfObject> Objects, ImmutableSortedSet<string> ExternalLibraries, ImmutableSortedSet<string> Interpreters);

/// <summary>
/// Derives what installed programs need at run time from the files themselves: DT_NEEDED of every ELF file, resolved
/// the way ld.so resolves it (DT_RUNPATH with $ORIGIN, then the system library folders), and the #! line of every
/// executable script.
/// </summary>
public static class RuntimeDependencies
{
    /// <summary>The folders ld.so searches on Debian amd64 after the runpath, as paths relative to the root.</summary>
    public static readonly ImmutableArray<string> LibraryDirectories =
        ["usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu", "usr/lib", "lib", "usr/lib64", "lib64"];

    /// <summary>Scans the files under <paramref name="root"/> for which <paramref name="include"/> holds (relative '/' paths).</summary>
    public static RuntimeNeeds Scan(string root, Func<string, bool> include)
    {
        ArgumentNullException.ThrowIfNull(include);
        var objects = ImmutableArray.CreateBuilder<ElfObject>();
        var interpreters = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => (Full: f, Relative: Path.GetRelativePath(root, f).Replace('\\', '/')))
            .Where(f => include(f.Relative) && !new FileInfo(f.Full).Attributes.HasFlag(FileAttributes.ReparsePoint))
            .OrderBy(f => f.Relative, StringComparer.Ordinal);
        foreach (var (full, relative) in files)
        {
            byte[] head = FileHead.Read(full, 256);
            if (ElfDynamic.IsElf(head))
            {
                var dynamic = ElfDynamic.ReadFile(full);
                if (dynamic.IsDynamic)
                {
                    objects.Add(new ElfObject(relative, dynamic));
                }
            }
            else if (IsExecutable(full) && Interpreter(head) is { } interpreter)
            {
                interpreters.Add(interpreter);
            }
        }

        var all = objects.ToImmutable();
        bool InTree(string path) => File.Exists(Path.Combine(root, path)) || new FileInfo(Path.Combine(root, path)).LinkTarget is not null;
        var external = all.SelectMany(o => o.Dynamic.Needed.Where(n => Locate(o, n, InTree) is null)).ToImmutableSortedSet(StringComparer.Ordinal);
        return new RuntimeNeeds(all, external, interpreters.ToImmutable());
    }

    /// <summary>Where ld.so would find <paramref name="soname"/> for <paramref name="elf"/> given what exists, or null.</summary>
    public static string? Locate(ElfObject elf, string soname, Func<string, bool> exists)
    {
        ArgumentNullException.ThrowIfNull(elf);
        ArgumentNullException.ThrowIfNull(exists);
        string origin = Path.GetDirectoryName(elf.Path)?.Replace('\\', '/') ?? string.Empty;
        var folders = elf.Dynamic.RunPath
            .Select(p => Collapse(p.Replace("$ORIGIN", "/" + origin, StringComparison.Ordinal).Replace("${ORIGIN}", "/" + origin, StringComparison.Ordinal)))
            .Concat(LibraryDirectories);
        return folders.Select(f => f.Length == 0 ? soname : $"{f}/{soname}").FirstOrDefault(exists);
    }

    /// <summary>Every library an object needs that cannot be found, as "PATH needs SONAME"; empty when all resolve.</summary>
    public static IReadOnlyList<string> Unresolved(IEnumerable<ElfObject> objects, Func<string, bool> exists) =>
        [.. objects.SelectMany(o => o.Dynamic.Needed.Where(n => Locate(o, n, exists) is null).Select(n => $"{o.Path} needs {n}"))];

    /// <summary>The program a script's #! line names: "#!/usr/bin/env python3" gives /usr/bin/python3.</summary>
    public static string? Interpreter(ReadOnlySpan<byte> head)
    {
        if (!head.StartsWith("#!"u8))
        {
            return null;
        }

        int end = head.IndexOf((byte)'\n');
        string line = Encoding.UTF8.GetString(end < 0 ? head[2..] : head[2..end]).Trim();
        string[] words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return null;
        }

        return words[0] == "/usr/bin/env" && words.Length > 1 ? "/usr/bin/" + words[1] : words[0];
    }

    /// <summary>Only programs run through their #! line; a Python module may carry one without being run by it.</summary>
    private static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    /// <summary>A path with "." and ".." resolved lexically, relative to the root ("/usr/lib/../bin" gives "usr/bin"; ".." stops at the root).</summary>
    private static string Collapse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var parts = new List<string>();
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }
}
