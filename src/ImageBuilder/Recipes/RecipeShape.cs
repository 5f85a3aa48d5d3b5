using System.Collections.Immutable;

namespace ImageBuilder.Recipes;

/// <summary>What a recipe field holds; the loader reads each field as exactly this kind.</summary>
public enum FieldKind
{
    Text,
    Number,
    Flag,
    Mapping,
    TextList,
    MappingList,
}

/// <summary>A closed set of words a string field (or each item of a list) may be, and what they are called in messages.</summary>
public sealed record Choices(string Noun, ImmutableArray<string> Words)
{
    public string? Check(string value) =>
        Words.Contains(value) ? null : $"'{value}' is not {Noun} ({string.Join(", ", Words[..^1])} or {Words[^1]})";
}

/// <summary>
/// Keys a mapping takes besides its declared fields: any name matching <paramref name="KeyPattern"/> (an ECMA-262 and
/// .NET regular expression, as JSON Schema's patternProperties has it), whose value is a single scalar.
/// </summary>
public sealed record FreeKeys(string KeyPattern, string Description);

/// <summary>One key of a recipe mapping.</summary>
public sealed record Field(string Name, FieldKind Kind, string Description)
{
    public bool Required { get; init; }

    /// <summary>An explicit null (<c>key:</c> with no value) means something of its own, so it is allowed.</summary>
    public bool Nullable { get; init; }

    public long? Minimum { get; init; }

    public long? Maximum { get; init; }

    public int? MinItems { get; init; }

    /// <summary>For an integer field whose values are a fixed list (a serial port's speeds).</summary>
    public ImmutableArray<long> Allowed { get; init; } = [];

    public Choices? Choices { get; init; }

    /// <summary>For <see cref="FieldKind.Mapping"/> and <see cref="FieldKind.MappingList"/>: the shape of the mapping(s).</summary>
    public Shape? Shape { get; init; }
}

/// <summary>The keys one recipe mapping takes.</summary>
public sealed record Shape(ImmutableArray<Field> Fields)
{
    public FreeKeys? Free { get; init; }

    /// <summary>Exactly one of the fields is given (a source is debian, tarball or local).</summary>
    public bool ExactlyOne { get; init; }

    public Field? Find(string name) => Fields.FirstOrDefault(f => f.Name == name);

    public IEnumerable<string> Names => Fields.Select(f => f.Name);
}

/// <summary>
/// Every key a recipe may have, its kind, bounds and words, as the loader reads them (<see cref="YamlMappingReader"/>
/// refuses to read a key that is not declared here as the kind asked for) and as <see cref="RecipeSchema"/> writes
/// them into the JSON Schema editors use.
/// </summary>
public static class RecipeShape
{
    private static Field Text(string name, string description, bool required = false) => new(name, FieldKind.Text, description) { Required = required };

    private static Field Number(string name, string description, long minimum, long maximum) => new(name, FieldKind.Number, description) { Minimum = minimum, Maximum = maximum };

    private static Field Switch(string name, string description) => new(name, FieldKind.Flag, description);

    private static Field Words(string name, string description, string noun, params string[] words) =>
        new(name, FieldKind.Text, description) { Choices = new Choices(noun, [.. words]) };

    private static Field List(string name, string description, bool required = false) => new(name, FieldKind.TextList, description) { Required = required };

    private static Field Map(string name, string description, Shape shape, bool required = false) => new(name, FieldKind.Mapping, description) { Shape = shape, Required = required };

    /// <summary>Xen's command line as a mapping: NAME: value, true for a bare flag, false for NAME=no; extra is passed as written.</summary>
    public static readonly Shape XenOptions = new([Text("extra", "Xen command-line text appended as written, after the options above")])
    {
        Free = new FreeKeys("^[a-z][a-z0-9_-]*$", "a Xen command-line option: a value, true for a bare flag, false for NAME=no"),
    };

    public static readonly Shape DebianSource = new([
        Text("package", "the Debian source package, e.g. xen", required: true),
        Text("version", "its version in the archive, e.g. 4.17.5+72-g01140da4e8-1", required: true),
    ]);

    public static readonly Shape Tarball = new([
        Text("url", "http(s) or file URL of the source tarball (.tar.gz, .tar.xz, .tar.bz2 or .tar.zst)", required: true),
        Text("sha256", "the tarball's SHA-256, 64 hexadecimal digits", required: true),
    ]);

    public static readonly Shape Source = new([
        Map("debian", "a source package from the recipe's archive, Debian's patches applied", DebianSource),
        Text("local", "a Xen source tree (with a xen/ folder), relative to the recipe's folder"),
        Map("tarball", "an upstream source tarball, checked against its SHA-256", Tarball),
    ])
    { ExactlyOne = true };

    public static readonly Shape Archive = new([
        Text("mirror", "the Debian mirror packages come from (http, https or file URL)"),
        new Field("security_mirror", FieldKind.Text, "the security archive's mirror; empty for none") { Nullable = true },
        Text("suite", "the Debian suite, e.g. bookworm", required: true),
        List("components", "archive components, e.g. [main, non-free-firmware]; main when absent"),
        Text("keyring", "the keyring that signs the archive"),
        Switch("updates", "also use SUITE-updates and the security archive (default true)"),
    ]);

    public static readonly Shape Hypervisor = new([
        Text("package", "Debian's binary Xen package, e.g. xen-hypervisor-4.17-amd64 (or give source)"),
        Map("source", "compile Xen from this source instead of a package", Source),
        Text("kconfig", "Kconfig lines (CONFIG_NAME=y) applied over config_base and checked after olddefconfig"),
        Text("config_base", "the make target the configuration starts from, e.g. defconfig"),
        new Field("make_variables", FieldKind.Mapping, "variables passed to make, NAME: value") { Shape = new Shape([]) { Free = new FreeKeys("^[A-Z][A-Z0-9_]*$", "a make variable") } },
        Number("jobs", "parallel make jobs (default: the host's cores)", 1, 256),
        Map("command_line", "Xen's command line for every Xen boot entry", XenOptions),
    ]);

    public static readonly Shape Initramfs = new([
        List("packages", "Debian packages unpacked into the initramfs", required: true),
        List("overlays", "folders copied over it, relative to the recipe's folder"),
        List("modules", "kernel modules copied in with their dependencies"),
    ]);

    public static readonly Shape Rootfs = new([
        List("packages", "Debian packages installed into the Dom0's root filesystem", required: true),
        List("overlays", "folders copied over it, relative to the recipe's folder"),
        Text("hostname", "the Dom0's host name (default dom0)"),
        Switch("presenter", "log in as root on the screen and serial console without a password"),
        List("ssh_authorized_keys", "public keys allowed to log in as root over SSH; none means no SSH server"),
        Switch("cross_host_migration", "find hosts booted from this image on the LAN (mDNS) and live-migrate guests to them over SSH with keys derived from a secret made beside the recipe (.secrets/); the key is root on the image's hosts: a LAN you trust"),
    ]);

    public static readonly Shape Tools = new([
        Map("source", "the tools' source; the hypervisor's when absent", Source),
        List("configure", "extra options for the tools' configure, e.g. --disable-NAME"),
        List("services", "systemd units enabled in the Dom0"),
        List("build_packages", "more Debian packages for the tools' build root"),
        Number("jobs", "parallel make jobs (default: the host's cores)", 1, 256),
    ]);

    public static readonly Shape Dom0 = new([
        Map("kernel", "the Dom0's (and the guests') Linux kernel", new Shape([Text("package", "the Debian kernel package, e.g. linux-image-amd64", required: true)]), required: true),
        Text("command_line", "the Dom0 kernel's command line (default console=hvc0)"),
        Map("initramfs", "the initramfs that finds the medium and starts the root filesystem", Initramfs, required: true),
        Map("rootfs", "a Debian root filesystem with the Xen tools; without it the Dom0 lives in its initramfs", Rootfs),
        Map("tools", "compile the Xen tools instead of installing Debian's", Tools),
    ]);

    public static readonly Shape Disk = new([Number("size_mib", "the disk's size in MiB", 16, 1 << 20) with { Required = true }]);

    public static readonly Shape Guest = new([
        Text("name", "the domain's name and host name", required: true),
        Words("type", "pv (default), pvh or hvm", "a guest type", "pv", "pvh", "hvm"),
        Number("memory", "MiB of memory (at least 64 for hvm)", 16, 1 << 20),
        Number("vcpus", "virtual CPUs", 1, 128),
        Switch("autostart", "started when the Dom0 boots (default true)"),
        Text("network", "the Dom0 bridge its interface joins, or none (default xenbr0)"),
        Text("command_line", "the guest kernel's command line"),
        List("packages", "Debian packages for the guest", required: true),
        List("overlays", "folders copied over the guest's files, relative to the recipe's folder"),
        Map("disk", "boot from an ext4 disk image instead of an initramfs (hvm guests need one)", Disk),
        Words("firmware", "an hvm guest's firmware", "a guest firmware the archive provides", "seabios", "ovmf"),
    ]);

    public static readonly Shape Serial = new([
        Number("port", "the serial port GRUB and Xen use (0 is COM1)", 0, 3),
        new Field("speed", FieldKind.Number, "the speed in baud") { Allowed = [9600, 19200, 38400, 57600, 115200] },
    ]);

    public static readonly Shape Entry = new([
        Text("title", "the menu entry's title", required: true),
        Words("type", "xen (default) boots Xen and the Dom0; linux boots the Dom0 kernel alone", "a boot entry type", "xen", "linux"),
        Map("xen_options", "Xen options for this entry, over the hypervisor's command_line", XenOptions),
        Text("kernel_options", "more text for the Dom0 kernel's command line"),
    ]);

    public static readonly Shape Boot = new([
        Number("timeout", "seconds the boot menu waits", 0, 600),
        Map("serial", "the serial console", Serial),
        new Field("entries", FieldKind.MappingList, "the boot menu's entries") { Shape = Entry, Required = true, MinItems = 1 },
        Number("default", "the index of the entry booted when the menu times out", 0, int.MaxValue),
        new Field("firmware", FieldKind.TextList, "the firmware the medium boots with (default both)") { Choices = new Choices("a firmware", ["bios", "uefi"]), MinItems = 1 },
        Words("uefi_loader", "how UEFI starts Xen: grub (default) or xen-efi", "a UEFI loader", "grub", "xen-efi"),
    ]);

    public static readonly Shape Recipe = new([
        Text("name", "the image's name: NAME.iso", required: true),
        Text("volume_label", "the ISO volume id: A-Z, 0-9 and _, at most 32", required: true),
        Number("epoch", "seconds since 1970 every timestamp derives from (SOURCE_DATE_EPOCH overrides; one of them is required)", 0, 4_102_444_800),
        Map("archive", "the Debian archive every package comes from", Archive, required: true),
        Map("hypervisor", "Xen: a Debian package or compiled from source", Hypervisor, required: true),
        Map("dom0", "the Dom0's kernel, initramfs, root filesystem and tools", Dom0, required: true),
        Map("boot", "the boot menu (GRUB, or xen.efi on UEFI)", Boot, required: true),
        new Field("guests", FieldKind.MappingList, "guests the Dom0 can start") { Shape = Guest },
        Words("demo", "run the save/restore and migration demo at boot", "a demo mode", "off", "interactive", "unattended"),
        Text("templates", "a folder of templates that replace the built-in ones of the same path (e.g. grub/grub.cfg.sbn), relative to the recipe's folder"),
    ]);
}
