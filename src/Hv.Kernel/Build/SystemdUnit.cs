using System.Collections.Immutable;

namespace Hv.Kernel.Build;

/// <summary>
/// Enabling a systemd unit offline, as <c>systemctl enable</c> does: a link named after the unit in the
/// <c>.wants/</c> (or <c>.requires/</c>) folder of every unit its [Install] section names.
/// </summary>
public static class SystemdUnit
{
    public const string SystemFolder = "etc/systemd/system";

    /// <summary>The links (path relative to the root, target) that enable <paramref name="unit"/> installed at <paramref name="unitPath"/>.</summary>
    public static ImmutableArray<(string Link, string Target)> EnableLinks(string unit, string unitPath, string unitText)
    {
        ArgumentNullException.ThrowIfNull(unitText);
        var links = ImmutableArray.CreateBuilder<(string, string)>();
        string? section = null;
        foreach (string raw in unitText.Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1];
                continue;
            }

            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (section != "Install" || eq < 0)
            {
                continue;
            }

            string key = line[..eq].Trim();
            string suffix = key switch { "WantedBy" => ".wants", "RequiredBy" => ".requires", _ => string.Empty };
            if (suffix.Length == 0)
            {
                continue;
            }

            foreach (string target in line[(eq + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                links.Add(($"{SystemFolder}/{target}{suffix}/{unit}", "/" + unitPath.TrimStart('/')));
            }
        }

        return links.ToImmutable();
    }
}
