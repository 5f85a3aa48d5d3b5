using System.Collections.Immutable;
using Hv.Kernel.Inspection;

namespace Hv.Kernel.Modules;

/// <summary>
/// A kernel's module index as depmod writes it: modules.dep (each module's file and the modules it needs) and
/// modules.builtin (what is compiled in). Answers which files to load, in which order, for a set of module names.
/// </summary>
public sealed class ModuleIndex
{
    private readonly ImmutableDictionary<string, ModuleFile> modules;
    private readonly ImmutableHashSet<string> builtin;

    private ModuleIndex(ImmutableDictionary<string, ModuleFile> modules, ImmutableHashSet<string> builtin)
    {
        this.modules = modules;
        this.builtin = builtin;
    }

    public int Count => modules.Count;

    /// <summary>Module names use '_' where file names may use '-' (the kernel treats them alike).</summary>
    public static string NameOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string file = path[(path.LastIndexOf('/') + 1)..];
        int ko = file.IndexOf(".ko", StringComparison.Ordinal);
        return (ko < 0 ? file : file[..ko]).Replace('-', '_');
    }

    public static ModuleIndex Parse(string modulesDep, string modulesBuiltin)
    {
        ArgumentNullException.ThrowIfNull(modulesDep);
        ArgumentNullException.ThrowIfNull(modulesBuiltin);
        var map = ImmutableDictionary.CreateBuilder<string, ModuleFile>(StringComparer.Ordinal);
        int number = 0;
        foreach (string raw in modulesDep.Split('\n'))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new InspectionException($"modules.dep line {number}: expected 'path: dependencies', got '{line}'");
            }

            string path = line[..colon];
            var deps = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(NameOf).ToImmutableArray();
            map[NameOf(path)] = new ModuleFile(NameOf(path), path, deps);
        }

        var builtin = modulesBuiltin.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(NameOf).ToImmutableHashSet(StringComparer.Ordinal);
        return new ModuleIndex(map.ToImmutable(), builtin);
    }

    public static ModuleIndex Read(string modulesDirectory) =>
        Parse(File.ReadAllText(Path.Combine(modulesDirectory, "modules.dep")), File.ReadAllText(Path.Combine(modulesDirectory, "modules.builtin")));

    /// <summary>
    /// The module files to load for <paramref name="names"/>, each after everything it needs; modules built into the
    /// kernel need nothing. Unknown names fail, all of them in one message.
    /// </summary>
    public ImmutableArray<ModuleFile> LoadOrder(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var wanted = names.Select(n => n.Replace('-', '_')).ToList();
        var unknown = wanted.Where(n => !modules.ContainsKey(n) && !builtin.Contains(n)).ToList();
        if (unknown.Count > 0)
        {
            throw new InspectionException($"kernel modules not found (neither in modules.dep nor built in): {string.Join(", ", unknown)}");
        }

        var order = ImmutableArray.CreateBuilder<ModuleFile>();
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: being visited, true: placed
        foreach (string name in wanted)
        {
            Visit(name, state, order, [name]);
        }

        return order.ToImmutable();
    }

    private void Visit(string name, Dictionary<string, bool> state, ImmutableArray<ModuleFile>.Builder order, ImmutableStack<string> chain)
    {
        if (!modules.TryGetValue(name, out var module))
        {
            return; // built in
        }

        if (state.TryGetValue(name, out bool placed))
        {
            if (!placed)
            {
                throw new InspectionException($"modules.dep has a dependency cycle: {string.Join(" <- ", chain)}");
            }

            return;
        }

        state[name] = false;
        foreach (string dep in module.Dependencies)
        {
            Visit(dep, state, order, chain.Push(dep));
        }

        state[name] = true;
        order.Add(module);
    }
}

/// <param name="Path">Relative to the kernel's module folder, as modules.dep names it.</param>
public sealed record ModuleFile(string Name, string Path, ImmutableArray<string> Dependencies);
