using System.Collections.Immutable;
using ImageBuilder.Common.Processes;

namespace Hv.Kernel.Build;

/// <summary>
/// Which Debian package of an installed root provides a file, asked of that root's dpkg database (dpkg-query -S with
/// the root's admindir), so the answer is about the root the tools were built in, not the host.
/// </summary>
public static class PackageOwners
{
    /// <summary>The packages owning a library by soname (in the amd64 multiarch folders) or a program by absolute path; files nobody owns are absent.</summary>
    public static async Task<ImmutableSortedDictionary<string, string>> FindAsync(string root, IEnumerable<string> sonames, IEnumerable<string> programs, CancellationToken cancellationToken = default)
    {
        var wanted = new Dictionary<string, Func<string, bool>>(StringComparer.Ordinal);
        foreach (string soname in sonames)
        {
            wanted[soname] = path => path.EndsWith("/x86_64-linux-gnu/" + soname, StringComparison.Ordinal);
        }

        foreach (string program in programs)
        {
            // Debian 12 keeps some programs' dpkg paths in /bin (merged /usr): /usr/bin/bash is recorded as /bin/bash.
            string other = program.StartsWith("/usr/", StringComparison.Ordinal) ? program[4..] : "/usr" + program;
            wanted[program] = path => path == program || path == other;
        }

        if (wanted.Count == 0)
        {
            return ImmutableSortedDictionary<string, string>.Empty;
        }

        string[] patterns = [.. wanted.Keys.Select(k => k.StartsWith('/') ? "*" + Path.GetFileName(k) : "*/x86_64-linux-gnu/" + k)];
        var query = ProcessSpec.Of("dpkg-query", ["--admindir=" + Path.Combine(root, "var/lib/dpkg"), "-S", .. patterns]);

        // dpkg-query exits 1 when some pattern matches nothing; the matches it prints are still right.
        var result = await ProcessRunner.RunUncheckedAsync(query, cancellationToken).ConfigureAwait(false);
        var owners = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (string line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // Diversions are reported as "diversion by dash from: /bin/sh" beside the owner's own line.
            int separator = line.IndexOf(": ", StringComparison.Ordinal);
            if (separator < 0 || line.StartsWith("diversion by ", StringComparison.Ordinal))
            {
                continue;
            }

            string path = line[(separator + 2)..].Trim();
            string package = line[..separator].Split(", ")[0].Split(':')[0];
            foreach (var (name, matches) in wanted)
            {
                if (!owners.ContainsKey(name) && matches(path))
                {
                    owners[name] = package;
                }
            }
        }

        return owners.ToImmutable();
    }
}
