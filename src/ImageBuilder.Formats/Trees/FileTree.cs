using System.Collections.Immutable;

namespace ImageBuilder.Formats.Trees;

/// <summary>
/// An immutable file tree: entries keyed by normalised path, sorted ordinally so that every parent
/// precedes its children. Writers consume it in this order, which makes their output deterministic.
/// </summary>
public sealed class FileTree
{
    public static readonly UnixFileMode DirectoryPermissions = (UnixFileMode)0x1ED; // 0755

    public static readonly FileTree Empty = new(ImmutableSortedDictionary.Create<string, FsEntry>(StringComparer.Ordinal));

    private FileTree(ImmutableSortedDictionary<string, FsEntry> entries) => Entries = entries;

    public ImmutableSortedDictionary<string, FsEntry> Entries { get; }

    public IEnumerable<FsEntry> All => Entries.Values;

    public int Count => Entries.Count;

    public FsEntry? Find(string path) => Entries.GetValueOrDefault(NormalizePath(path));

    /// <summary>The entries for which <paramref name="keep"/> holds, judged one by one: dropping a folder does not drop what it holds.</summary>
    public FileTree Where(Func<FsEntry, bool> keep) => new(Entries.Where(e => keep(e.Value)).ToImmutableSortedDictionary(StringComparer.Ordinal));

    /// <summary>
    /// The entry <paramref name="path"/> names once symbolic links among its folders are followed, as the kernel would
    /// inside this tree (merged /usr: "lib/x86_64-linux-gnu/libc.so.6" through the link lib -> usr/lib); the last
    /// component is not followed. Null when a component is missing or the links loop.
    /// </summary>
    public FsEntry? Resolve(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var pending = new List<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var resolved = new List<string>();
        for (int links = 0; pending.Count > 0;)
        {
            string part = pending[0];
            pending.RemoveAt(0);
            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            if (part == ".")
            {
                continue;
            }

            resolved.Add(part);
            var entry = Entries.GetValueOrDefault(string.Join('/', resolved));
            if (entry is null)
            {
                return null;
            }

            if (entry is FsSymlink link && pending.Count > 0)
            {
                if (++links > 40)
                {
                    return null;
                }

                resolved.RemoveAt(resolved.Count - 1);
                if (link.Target.StartsWith('/'))
                {
                    resolved.Clear();
                }

                pending.InsertRange(0, link.Target.Split('/', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        return Entries.GetValueOrDefault(string.Join('/', resolved));
    }

    public static string NormalizePath(string path)
    {
        var parts = new List<string>();
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                throw new ArgumentException($"path '{path}' must not contain '..'", nameof(path));
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    public Builder ToBuilder() => new(Entries.ToBuilder());

    public static Builder CreateBuilder() => Empty.ToBuilder();

    /// <summary>
    /// Collects a host directory: regular files, directories, symlinks and device nodes with their permissions.
    /// Owners are kept only when asked (a root filesystem installed by dpkg); otherwise everything belongs to
    /// root, so whoever runs the build cannot change the image.
    /// </summary>
    public static FileTree FromDirectory(string hostDirectory, string prefix = "", bool keepOwners = false)
    {
        var builder = CreateBuilder();
        builder.AddHostDirectory(hostDirectory, prefix, keepOwners);
        return builder.ToTree();
    }

    public sealed class Builder
    {
        private readonly ImmutableSortedDictionary<string, FsEntry>.Builder entries;

        internal Builder(ImmutableSortedDictionary<string, FsEntry>.Builder entries) => this.entries = entries;

        public Builder AddDirectory(string path, UnixFileMode? permissions = null)
        {
            string p = NormalizePath(path);
            if (p.Length == 0)
            {
                return this;
            }

            EnsureParents(p);
            if (entries.TryGetValue(p, out var existing) && existing is FsDirectory && permissions is null)
            {
                return this;
            }

            return Put(new FsDirectory(p, permissions ?? DirectoryPermissions));
        }

        public Builder AddFile(string path, FileContent content, UnixFileMode permissions = (UnixFileMode)0x1A4)
        {
            string p = NormalizePath(path);
            EnsureParents(p);
            return Put(new FsFile(p, content, permissions));
        }

        public Builder AddSymlink(string path, string target)
        {
            string p = NormalizePath(path);
            EnsureParents(p);
            return Put(new FsSymlink(p, target));
        }

        public Builder AddDevice(string path, DeviceKind kind, int major, int minor, UnixFileMode permissions)
        {
            string p = NormalizePath(path);
            EnsureParents(p);
            return Put(new FsDevice(p, kind, major, minor, permissions));
        }

        /// <summary>Merges another tree under <paramref name="prefix"/>; its entries replace ours (overlay semantics).</summary>
        public Builder AddTree(FileTree tree, string prefix = "")
        {
            string root = NormalizePath(prefix);
            foreach (var entry in tree.All)
            {
                string p = root.Length == 0 ? entry.Path : $"{root}/{entry.Path}";
                EnsureParents(p);
                Put(entry with { Path = p });
            }

            return this;
        }

        public Builder AddHostDirectory(string hostDirectory, string prefix = "", bool keepOwners = false)
        {
            var root = new DirectoryInfo(hostDirectory);
            if (!root.Exists)
            {
                throw new DirectoryNotFoundException($"directory not found: {hostDirectory}");
            }

            string dest = NormalizePath(prefix);
            if (dest.Length > 0)
            {
                AddDirectory(dest);
            }

            AddHostChildren(root, dest, keepOwners);
            return this;
        }

        /// <summary>Adds an entry as it is (owner included), replacing one at the same path.</summary>
        public Builder Add(FsEntry entry)
        {
            ArgumentNullException.ThrowIfNull(entry);
            string p = NormalizePath(entry.Path);
            EnsureParents(p);
            return Put(entry with { Path = p });
        }

        public bool Remove(string path) => entries.Remove(NormalizePath(path));

        public FileTree ToTree() => new(entries.ToImmutable());

        private void AddHostChildren(DirectoryInfo dir, string dest, bool keepOwners)
        {
            foreach (var info in dir.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
            {
                string p = dest.Length == 0 ? info.Name : $"{dest}/{info.Name}";
                var stat = HostFileStatus.Of(info.FullName);
                if (!keepOwners)
                {
                    stat = stat with { Uid = 0, Gid = 0 };
                }

                if (info.LinkTarget is { } target)
                {
                    Put(new FsSymlink(p, target, stat.Uid, stat.Gid));
                }
                else if (info is DirectoryInfo sub)
                {
                    Put(new FsDirectory(p, sub.UnixFileMode, stat.Uid, stat.Gid));
                    AddHostChildren(sub, p, keepOwners);
                }
                else if (info is FileInfo file)
                {
                    switch (stat.Type)
                    {
                        case HostFileStatus.Regular:
                            Put(new FsFile(p, new HostFileContent(file.FullName, file.Length), file.UnixFileMode, stat.Uid, stat.Gid));
                            break;
                        case HostFileStatus.CharacterDevice or HostFileStatus.BlockDevice:
                            var kind = stat.Type == HostFileStatus.CharacterDevice ? DeviceKind.Character : DeviceKind.Block;
                            Put(new FsDevice(p, kind, stat.Major, stat.Minor, file.UnixFileMode, stat.Uid, stat.Gid));
                            break;
                        default:
                            break; // FIFOs and sockets are runtime objects, not image content.
                    }
                }
            }
        }

        private void EnsureParents(string path)
        {
            int slash = path.LastIndexOf('/');
            if (slash <= 0)
            {
                return;
            }

            string parent = path[..slash];
            if (entries.TryGetValue(parent, out var existing))
            {
                if (existing is not FsDirectory)
                {
                    throw new ArgumentException($"'{parent}' is not a directory, cannot add '{path}'", nameof(path));
                }

                return;
            }

            EnsureParents(parent);
            entries[parent] = new FsDirectory(parent, DirectoryPermissions);
        }

        private Builder Put(FsEntry entry)
        {
            if (entries.TryGetValue(entry.Path, out var old) && old is FsDirectory && entry is not FsDirectory)
            {
                // Replacing a directory by a non-directory drops its subtree, as an overlay copy would.
                string prefix = entry.Path + "/";
                foreach (string key in entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
                {
                    entries.Remove(key);
                }
            }

            entries[entry.Path] = entry;
            return this;
        }
    }
}
