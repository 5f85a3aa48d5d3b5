using System.Text.RegularExpressions;

namespace Hv.Kernel.Xen;

/// <summary>
/// What Xen 4.17's docs/misc/xen-command-line.pandoc says the values of the common options look like.
/// Each validator returns null when the value is fine, else what is wrong with it.
/// </summary>
internal static partial class XenOptionSyntax
{
    private const string Size = @"-?\d+[bBkKmMgGtT]?";
    private static readonly string[] ConsoleNames = ["com1", "com2", "vga", "dbgp", "ehci", "xhci", "none", "pv"];
    private static readonly string[] LogLevels = ["none", "error", "warning", "info", "debug", "all"];

    public static readonly IReadOnlyDictionary<string, Func<string?, string?>> Known = new Dictionary<string, Func<string?, string?>>(StringComparer.Ordinal)
    {
        ["dom0_mem"] = Dom0Mem,
        ["dom0_max_vcpus"] = v => Matches(v, DomVcpus(), "a count or a range such as 1-4"),
        ["dom0_vcpus_pin"] = Boolean,
        ["dom0"] = v => Matches(v, Dom0List(), "a list such as pvh,verbose"),
        ["console"] = Console,
        ["com1"] = v => Matches(v, ComPort(), "<baud>[/<clock>][,<data><parity><stop>][,...] such as 115200,8n1"),
        ["com2"] = v => Matches(v, ComPort(), "<baud>[/<clock>][,<data><parity><stop>][,...] such as 115200,8n1"),
        ["console_to_ring"] = Boolean,
        ["console_timestamps"] = v => OneOf(v, ["none", "date", "datems", "boot", "raw"]),
        ["conswitch"] = v => Matches(v, ConSwitch(), "a key letter optionally followed by x, such as ax"),
        ["loglvl"] = LogLevel,
        ["guest_loglvl"] = LogLevel,
        ["noreboot"] = Boolean,
        ["sync_console"] = Boolean,
        ["vga"] = v => Matches(v, Vga(), "text-80x25, gfx-1024x768x32, mode-0x..., current or keep"),
        ["iommu"] = v => Matches(v, Word(), "a list such as no or on,verbose"),
        ["ucode"] = v => Matches(v, Word(), "scan, a module index or nmi"),
        ["smt"] = Boolean,
        ["sched"] = v => OneOf(v, ["credit", "credit2", "rtds", "arinc653", "null"]),
        ["watchdog"] = Boolean,
        ["nmi"] = v => OneOf(v, ["ignore", "dom0", "fatal"]),
        ["spec-ctrl"] = v => Matches(v, Word(), "a list such as no or ibrs=0"),
        ["altp2m"] = Boolean,
        ["hap"] = Boolean,
        ["bootscrub"] = v => v == "idle" ? null : Boolean(v) is null ? null : $"'{v}' is not idle or a boolean (yes/no, on/off, true/false or 1/0)",
        ["max_cstate"] = v => Matches(v, Number(), "a number"),
        ["cpufreq"] = v => Matches(v, Word(), "a governor list such as none or xen:ondemand"),
        ["maxcpus"] = v => Matches(v, Number(), "a number"),
        ["nosmp"] = Boolean,
        ["pv-linear-pt"] = Boolean,
        ["pv-shim"] = Boolean,
        ["apic_verbosity"] = v => OneOf(v, ["verbose", "debug"]),
        ["e820-verbose"] = Boolean,
        ["efi"] = v => Matches(v, Word(), "a list such as no-rs or attr=uc"),
        ["sched_credit_tslice_ms"] = v => Matches(v, Number(), "a number"),
    };

    private static string? Dom0Mem(string? value)
    {
        if (value is null)
        {
            return "needs a value such as 1024M or max:2G,1G";
        }

        foreach (string part in value.Split(','))
        {
            string amount = part.StartsWith("min:", StringComparison.Ordinal) || part.StartsWith("max:", StringComparison.Ordinal) ? part[4..] : part;
            if (!SizeOrPercent().IsMatch(amount))
            {
                return $"'{part}' is not a size: use a number with an optional B/K/M/G/T suffix or a percentage, optionally after min: or max: (e.g. 1024M or max:2G,1G)";
            }
        }

        return null;
    }

    private static string? Console(string? value)
    {
        if (value is null)
        {
            return "needs a list such as com1,vga";
        }

        var unknown = value.Split(',').Where(c => !ConsoleNames.Contains(c, StringComparer.Ordinal) && !c.StartsWith("ehci", StringComparison.Ordinal)).ToList();
        return unknown.Count == 0 ? null : $"unknown console '{unknown[0]}' (use {string.Join(", ", ConsoleNames)})";
    }

    private static string? LogLevel(string? value)
    {
        if (value is null)
        {
            return "needs a level";
        }

        var levels = value.Split('/');
        return levels.Length <= 2 && levels.All(l => LogLevels.Contains(l, StringComparer.Ordinal))
            ? null
            : $"'{value}' is not <level>[/<rate-limited level>] with levels {string.Join(", ", LogLevels)}";
    }

    private static string? Boolean(string? value) =>
        value is null || value is "0" or "1" or "yes" or "no" or "true" or "false" or "on" or "off" or "enable" or "disable"
            ? null
            : $"'{value}' is not a boolean (use yes/no, on/off, true/false or 1/0)";

    private static string? OneOf(string? value, string[] allowed) =>
        value is not null && allowed.Contains(value, StringComparer.Ordinal) ? null : $"'{value}' is not one of {string.Join(", ", allowed)}";

    private static string? Matches(string? value, Regex pattern, string expected) =>
        value is not null && pattern.IsMatch(value) ? null : $"'{value}' is not {expected}";

    [GeneratedRegex(@"^(" + Size + @"|\d{1,3}%)$")]
    private static partial Regex SizeOrPercent();

    [GeneratedRegex(@"^\d+(-\d+)?$")]
    private static partial Regex DomVcpus();

    [GeneratedRegex(@"^[a-z0-9=_-]+(,[a-z0-9=_-]+)*$")]
    private static partial Regex Dom0List();

    [GeneratedRegex(@"^(auto|\d+)(/\d+)?(,([5-8][noems][12])?)?(,[0-9a-fx@:.]*|,pci|,amt)?(,.*)?$")]
    private static partial Regex ComPort();

    [GeneratedRegex(@"^[a-zA-Z]x?$")]
    private static partial Regex ConSwitch();

    [GeneratedRegex(@"^(text-80x(25|28|30|34|43|50|60)|gfx-\d+x\d+x\d+|mode-0x[0-9a-f]+|current|keep)(,keep)?$")]
    private static partial Regex Vga();

    [GeneratedRegex(@"^[a-z0-9=_:,.-]+$")]
    private static partial Regex Word();

    [GeneratedRegex(@"^\d+$")]
    private static partial Regex Number();
}
