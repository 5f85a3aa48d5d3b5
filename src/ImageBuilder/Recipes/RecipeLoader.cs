using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Hv.Kernel.Build;
using Hv.Kernel.Sources;
using Hv.Kernel.Xen;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ImageBuilder.Recipes;

public sealed record RecipeLoadResult(Recipe? Recipe, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool Succeeded => Recipe is not null && Diagnostics.IsEmpty;
}

/// <summary>
/// Parses and validates a recipe file. Every mistake in the file is reported, each with its location;
/// a recipe is returned only when there are none.
/// </summary>
public static partial class RecipeLoader
{
    public const string DefaultMirror = "http://deb.debian.org/debian";
    public const string DefaultSecurityMirror = "http://deb.debian.org/debian-security";
    public const string DefaultKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg";

    /// <param name="path">The recipe file.</param>
    /// <param name="sourceDateEpoch">SOURCE_DATE_EPOCH from the environment; it wins over the recipe's epoch.</param>
    public static RecipeLoadResult Load(string path, long? sourceDateEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var sink = new DiagnosticSink(path);
        if (RecipeDocument.Read(path, sink) is not { } document)
        {
            return new RecipeLoadResult(null, [.. sink.All]);
        }

        string baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var root = YamlMappingReader.Open(sink, document, string.Empty, RecipeShape.Recipe);
        var recipe = root is null ? null : ReadRecipe(root, baseDirectory, sourceDateEpoch, Path.GetFullPath(path));
        return new RecipeLoadResult(sink.All.Count == 0 ? recipe : null, [.. sink.All]);
    }

    private static Recipe? ReadRecipe(YamlMappingReader root, string baseDirectory, long? sourceDateEpoch, string fullPath)
    {
        string? name = root.String("name", check: v => NamePattern().IsMatch(v) ? null : $"'{v}' must be lower-case letters, digits, '.', '_' or '-' (at most 64), starting with a letter or digit");
        string? label = root.String("volume_label", check: v => VolumeLabelPattern().IsMatch(v) ? null : $"'{v}' must be 1 to 32 characters of A-Z, 0-9 and _ (ISO 9660 d-characters)");
        long? epoch = root.Integer("epoch", required: sourceDateEpoch is null);
        var archive = ReadArchive(root.Mapping("archive"));
        var hypervisor = ReadHypervisor(root.Mapping("hypervisor"), archive, baseDirectory);
        var dom0 = ReadDom0(root.Mapping("dom0"), archive, hypervisor, baseDirectory);
        var boot = ReadBoot(root.Mapping("boot"));
        var guests = ReadGuests(root, baseDirectory, dom0?.Rootfs?.Hostname);
        string? demoText = root.String("demo");
        var demo = demoText switch { "interactive" => DemoMode.Interactive, "unattended" => DemoMode.Unattended, _ => DemoMode.Off };
        string? templates = ReadTemplates(root, baseDirectory);
        root.Finish();

        if (dom0 is { Rootfs: null })
        {
            if (guests.Length > 0)
            {
                root.Sink.Error(root.NodeOf("guests")!, "guests: guests need a Dom0 with the Xen tools; add dom0.rootfs");
            }

            if (demo != DemoMode.Off)
            {
                root.Sink.Error(root.NodeOf("demo")!, "demo: the demo runs in a Dom0 root filesystem; add dom0.rootfs");
            }
        }

        if (demo != DemoMode.Off && !guests.Any(g => g.Type == GuestType.Pv && g.Autostart) && root.NodeOf("demo") is { } demoNode)
        {
            root.Sink.Error(demoNode, "demo: the demo saves and migrates a guest; declare an autostart guest of type pv");
        }

        if (hypervisor is not null && boot is not null && guests.Length > 0)
        {
            CheckDom0Memory(root, hypervisor, boot, Dom0Memory.For(guests, demo));
        }

        if (name is null || label is null || archive is null || hypervisor is null || dom0 is null || boot is null)
        {
            return null;
        }

        return new Recipe(name, label, sourceDateEpoch ?? epoch ?? 0, archive, hypervisor, dom0, boot) { SourceFile = fullPath, Guests = guests, Demo = demo, Templates = templates };
    }

    /// <summary>
    /// The templates folder: every file in it (but hidden files and editors' backups) must be a template ImageBuilder
    /// renders (a misspelt name would be ignored otherwise), and each must parse; its syntax errors are reported at
    /// their own line and column.
    /// </summary>
    private static string? ReadTemplates(YamlMappingReader root, string baseDirectory)
    {
        if (root.String("templates") is not { } folder)
        {
            return null;
        }

        var node = root.NodeOf("templates")!;
        string full = Path.GetFullPath(Path.Combine(baseDirectory, folder));
        if (!Directory.Exists(full))
        {
            root.Sink.Error(node, $"templates: folder '{folder}' not found (paths are relative to the recipe's folder)");
            return null;
        }

        var known = Boot.TemplateRenderer.Names;
        bool fine = true;
        foreach (string file in Directory.GetFiles(full, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(full, file).Replace(Path.DirectorySeparatorChar, '/');
            if (relative.Split('/').Any(part => part.StartsWith('.')) || relative.EndsWith('~'))
            {
                continue; // .gitkeep, an editor's swap and backup files
            }

            if (!known.Contains(relative))
            {
                root.Sink.Error(node, $"templates: '{relative}' in '{folder}' is not a template ImageBuilder renders ({string.Join(", ", known)})");
                fine = false;
                continue;
            }

            foreach (var (line, column, message) in Boot.TemplateRenderer.SyntaxErrors(file))
            {
                root.Sink.Error(file, line, column, message);
                fine = false;
            }
        }

        return fine ? full : null;
    }

    private static ArchiveSpec? ReadArchive(YamlMappingReader? map)
    {
        if (map is null)
        {
            return null;
        }

        string mirror = map.String("mirror", check: CheckSourcesUrl) ?? DefaultMirror;
        string? security = map.Has("security_mirror") ? map.String("security_mirror", check: CheckSourcesUrl) : DefaultSecurityMirror;
        string? suite = map.String("suite", check: v => SuitePattern().IsMatch(v) ? null : $"'{v}' is not a Debian suite name such as bookworm");
        var components = map.CheckedStringList("components", v => ComponentPattern().IsMatch(v) ? null : $"'{v}' is not an archive component such as main, contrib or non-free-firmware");
        string keyring = map.String("keyring", check: v => ValueRules.SourcesField(v) ?? (File.Exists(v) ? null : $"keyring '{v}' not found (install debian-archive-keyring)")) ?? DefaultKeyring;
        bool updates = map.Boolean("updates") ?? true;
        map.Finish();
        return suite is null ? null : new ArchiveSpec(mirror, security, suite, components.IsEmpty ? ["main"] : components, keyring, updates);
    }

    private static HypervisorSpec? ReadHypervisor(YamlMappingReader? map, ArchiveSpec? archive, string baseDirectory)
    {
        if (map is null)
        {
            return null;
        }

        bool fromSource = map.Has("source");
        string? package = map.String("package", required: !fromSource, check: CheckPackage);
        if (fromSource && package is not null)
        {
            map.Sink.Error(map.NodeOf("package")!, "hypervisor: give either package (binary) or source (compile), not both");
        }

        SourceSpec? source = fromSource ? ReadSource(map.Mapping("source", required: true), archive, baseDirectory) : null;
        XenBuildOptions? build = null;
        string? kconfig = map.String("kconfig");
        var fragment = KconfigFragment.Empty;
        if (kconfig is not null)
        {
            var (parsed, errors) = KconfigFragment.Parse(kconfig);
            foreach (string error in errors)
            {
                map.Sink.Error(map.NodeOf("kconfig")!, $"hypervisor.kconfig: {error}");
            }

            fragment = parsed;
        }

        string configBase = map.String("config_base", check: v => ConfigTarget().IsMatch(v) ? null : $"'{v}' is not a make config target such as defconfig") ?? "defconfig";
        int jobs = (int)(map.Integer("jobs") ?? Environment.ProcessorCount);
        var variables = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (map.Mapping("make_variables") is { } vars)
        {
            foreach (var (key, value) in vars.Rest())
            {
                if (value is YamlScalarNode { Value: { } text } && MakeVariable().IsMatch(key.Value!))
                {
                    if (ValueRules.Text(text) is { } problem && text.Length > 0)
                    {
                        map.Sink.Error(value, $"hypervisor.make_variables.{key.Value}: {problem}");
                    }
                    else
                    {
                        variables[key.Value!] = text;
                    }
                }
                else
                {
                    map.Sink.Error(key, $"hypervisor.make_variables: '{key.Value}' must be NAME: value with NAME of A-Z, 0-9 and _");
                }
            }
        }

        if (!fromSource)
        {
            foreach (string key in (string[])["kconfig", "config_base", "make_variables", "jobs"])
            {
                if (map.NodeOf(key) is { } node)
                {
                    map.Sink.Error(node, $"hypervisor.{key}: only used when the hypervisor is compiled from source");
                }
            }
        }
        else
        {
            build = new XenBuildOptions(configBase, fragment, variables.ToImmutable(), jobs);
        }

        var commandLine = ReadXenOptions(map.Mapping("command_line")) ?? XenCommandLine.Empty;
        map.Finish();
        if (fromSource)
        {
            return source is null ? null : new HypervisorSpec(null, source, build, commandLine);
        }

        return package is null ? null : new HypervisorSpec(package, null, null, commandLine);
    }

    private static SourceSpec? ReadSource(YamlMappingReader? map, ArchiveSpec? archive, string baseDirectory)
    {
        if (map is null)
        {
            return null;
        }

        SourceSpec? result = null;
        if (map.Mapping("debian", required: map.Has("debian")) is { } debian)
        {
            string? name = debian.String("package", check: CheckPackage);
            string? version = debian.String("version", check: v => DebianVersion().IsMatch(v) ? null : $"'{v}' is not a Debian version");
            debian.Finish();
            if (name is not null && version is not null && archive is not null)
            {
                result = new DebianSourcePackage(name, version, [.. archive.SourceLines().Select(l => l["deb ".Length..])], archive.Keyring);
            }
        }

        if (map.Mapping("tarball", required: map.Has("tarball")) is { } tarball)
        {
            string? url = tarball.String("url", check: CheckSourcesUrl);
            string? sha = tarball.String("sha256", check: v => Sha256Pattern().IsMatch(v) ? null : "must be the archive's SHA-256: 64 hexadecimal digits");
            tarball.Finish();
            if (result is not null)
            {
                map.Sink.Error(tarball.Node, $"{map.Section}: give one of debian, tarball or local");
            }
            else if (url is not null && sha is not null)
            {
                result = new UpstreamTarball(new Uri(url), sha);
            }
        }

        if (map.NodeOf("local") is { } localNode)
        {
            string? local = map.String("local");
            string full = Path.GetFullPath(Path.Combine(baseDirectory, local ?? string.Empty));
            if (result is not null)
            {
                map.Sink.Error(localNode, $"{map.Section}: give one of debian, tarball or local");
            }
            else if (!Directory.Exists(Path.Combine(full, "xen")))
            {
                map.Sink.Error(localNode, $"{map.Qualified("local")}: '{local}' is not a Xen source tree (no xen/ folder; paths are relative to the recipe's folder)");
            }
            else
            {
                result = new LocalTree(full, Planning.ContentDigest.Of(full));
            }
        }

        map.Finish();
        if (result is null && !map.Has("debian") && !map.Has("local") && !map.Has("tarball"))
        {
            map.Sink.Error(map.Node, $"{map.Section}: give debian: {{ package, version }}, tarball: {{ url, sha256 }} or local: PATH");
        }

        return result;
    }

    private static Dom0Spec? ReadDom0(YamlMappingReader? map, ArchiveSpec? archive, HypervisorSpec? hypervisor, string baseDirectory)
    {
        if (map is null)
        {
            return null;
        }

        var kernelMap = map.Mapping("kernel");
        string? kernelPackage = kernelMap?.String("package", check: CheckPackage);
        kernelMap?.Finish();
        string commandLine = map.String("command_line", check: ValueRules.BootCommandLine) ?? "console=hvc0";
        var initramfsMap = map.Mapping("initramfs");
        InitramfsSpec? initramfs = null;
        if (initramfsMap is not null)
        {
            var modules = initramfsMap.CheckedStringList("modules", v => ModuleName().IsMatch(v) ? null : $"'{v}' is not a kernel module name")
                .Select(m => m.Replace('-', '_'));
            initramfs = new InitramfsSpec(Packages(initramfsMap), Overlays(initramfsMap, baseDirectory), [.. modules.Distinct()]);
            initramfsMap.Finish();
        }

        RootfsSpec? rootfs = null;
        if (map.Mapping("rootfs") is { } rootfsMap)
        {
            var packages = Packages(rootfsMap);
            var overlays = Overlays(rootfsMap, baseDirectory);
            string hostname = rootfsMap.String("hostname", check: v => HostnamePattern().IsMatch(v) ? null : $"'{v}' is not a host name (letters, digits and '-', at most 63)") ?? "dom0";
            bool presenter = rootfsMap.Boolean("presenter") ?? false;
            var keys = rootfsMap.CheckedStringList("ssh_authorized_keys", v => AuthorizedKey().IsMatch(v) ? null : "not a public key line such as 'ssh-ed25519 AAAA... comment'")
                .Select(k => k.Trim());
            bool crossHost = rootfsMap.Boolean("cross_host_migration") ?? false;

            rootfsMap.Finish();
            rootfs = new RootfsSpec(packages, overlays, hostname, presenter, [.. keys]) { CrossHostMigration = crossHost };
        }

        var tools = map.Mapping("tools") is { } toolsMap ? ReadTools(toolsMap, archive, hypervisor, baseDirectory) : null;
        if (map.NodeOf("tools") is { } toolsNode)
        {
            if (rootfs is null)
            {
                map.Sink.Error(toolsNode, "dom0.tools: the compiled tools are installed into the Dom0 root filesystem; add dom0.rootfs");
            }
            else if (rootfs.Packages.FirstOrDefault(p => p.StartsWith("xen-utils", StringComparison.Ordinal)) is { } packaged)
            {
                map.Sink.Error(toolsNode, $"dom0.tools: dom0.rootfs.packages lists '{packaged}', Debian's build of the tools the recipe compiles; remove one of them");
            }
        }

        map.Finish();
        return kernelPackage is null || initramfs is null ? null : new Dom0Spec(new KernelSpec(kernelPackage), commandLine, initramfs, rootfs) { Tools = tools };
    }

    private static ToolsSpec? ReadTools(YamlMappingReader map, ArchiveSpec? archive, HypervisorSpec? hypervisor, string baseDirectory)
    {
        SourceSpec? source = map.Has("source") ? ReadSource(map.Mapping("source", required: true), archive, baseDirectory) : hypervisor?.Source;
        if (!map.Has("source") && hypervisor is { Source: null })
        {
            map.Sink.Error(map.Node, "dom0.tools: give a source; the hypervisor comes from a binary package, so there is no source to share");
        }

        var configure = map.CheckedStringList("configure", v => ConfigureOption().IsMatch(v) ? null : $"'{v}' is not a configure option such as --enable-NAME, --disable-NAME or --with-NAME=VALUE");
        var services = map.CheckedStringList("services", v => UnitName().IsMatch(v) ? null : $"'{v}' is not a systemd unit name such as xenstored.service");
        var buildPackages = map.CheckedStringList("build_packages", CheckPackage);
        int jobs = (int)(map.Integer("jobs") ?? Environment.ProcessorCount);
        map.Finish();
        var options = new XenToolsOptions(configure, map.Has("services") ? services : XenToolsBuild.DefaultServices, jobs);
        return source is null ? null : new ToolsSpec(source, options, [.. XenToolsBuild.DefaultBuildPackages.Concat(buildPackages).Distinct(StringComparer.Ordinal)]);
    }

    private static ImmutableArray<GuestSpec> ReadGuests(YamlMappingReader root, string baseDirectory, string? dom0Hostname)
    {
        var guests = ImmutableArray.CreateBuilder<GuestSpec>();
        foreach (var map in root.MappingList("guests"))
        {
            if (map is null)
            {
                continue;
            }

            string? name = map.String("name", check: CheckGuestName);
            string? typeText = map.String("type");
            var type = typeText switch { "pvh" => GuestType.Pvh, "hvm" => GuestType.Hvm, _ => GuestType.Pv };
            bool hvm = type == GuestType.Hvm;
            int memory = (int)(map.Integer("memory", min: hvm ? 64 : null) ?? (hvm ? 256 : 128));
            int vcpus = (int)(map.Integer("vcpus") ?? 1);
            bool autostart = map.Boolean("autostart") ?? true;
            string network = map.String("network", check: v => v == "none" || BridgeName().IsMatch(v) ? null : $"'{v}' is not a bridge name (or none)") ?? "xenbr0";

            // An HVM guest's command line is written into the grub.cfg on its disk; a PV guest's into an xl string.
            string commandLine = map.String("command_line", check: hvm ? ValueRules.BootCommandLine : ValueRules.GuestCommandLine)
                ?? (hvm ? HvmGuestSpec.DefaultCommandLine : "console=hvc0");
            var packages = Packages(map);
            var overlays = Overlays(map, baseDirectory);
            int? diskMiB = null;
            if (map.Mapping("disk") is { } diskMap)
            {
                diskMiB = (int)(diskMap.Integer("size_mib", min: hvm ? 64 : null) ?? 64);
                diskMap.Finish();
            }

            string? firmwareText = map.String("firmware");
            var firmware = firmwareText == "ovmf" ? GuestFirmware.Ovmf : GuestFirmware.Seabios;
            if (firmwareText is not null && !hvm)
            {
                map.Sink.Error(map.NodeOf("firmware")!, $"guests[].firmware: only an hvm guest boots through firmware; a {typeText ?? "pv"} guest's kernel is started by Xen");
            }

            if (hvm && diskMiB is null && !map.Has("disk"))
            {
                map.Sink.Error(map.NodeOf("type")!, "guests[].disk: an hvm guest boots from its own disk through its firmware; add disk: { size_mib: N }");
            }

            map.Finish();
            if (name is null)
            {
                continue;
            }

            if (guests.Any(g => g.Name == name))
            {
                map.Sink.Error(map.NodeOf("name")!, $"guests[].name: '{name}' is declared twice");
                continue;
            }

            if (name == dom0Hostname)
            {
                map.Sink.Error(map.NodeOf("name")!, $"guests[].name: '{name}' is the Dom0's host name (dom0.rootfs.hostname); a guest's name is its host name too, give it another one");
                continue;
            }

            string? bridge = network == "none" ? null : network;
            GuestSpec? guest = hvm
                ? diskMiB is { } bootable ? new HvmGuestSpec(name, memory, vcpus, autostart, bridge, commandLine, packages, overlays, bootable, firmware) : null
                : diskMiB is { } size ? new DiskGuestSpec(name, type, memory, vcpus, autostart, bridge, commandLine, packages, overlays, size)
                : new InitramfsGuestSpec(name, type, memory, vcpus, autostart, bridge, commandLine, packages, overlays);
            if (guest is not null)
            {
                guests.Add(guest);
            }
        }

        return guests.ToImmutable();
    }

    private static ImmutableArray<string> Packages(YamlMappingReader map) => map.CheckedStringList("packages", CheckPackage);

    private static ImmutableArray<string> Overlays(YamlMappingReader map, string baseDirectory)
    {
        var overlays = ImmutableArray.CreateBuilder<string>();
        foreach (var (node, value) in map.StringList("overlays"))
        {
            string full = Path.GetFullPath(Path.Combine(baseDirectory, value));
            if (Directory.Exists(full))
            {
                overlays.Add(full);
            }
            else
            {
                map.Sink.Error(node, $"{map.Qualified("overlays")}: directory '{value}' not found (paths are relative to the recipe's folder)");
            }
        }

        return overlays.ToImmutable();
    }

    private static BootSpec? ReadBoot(YamlMappingReader? map)
    {
        if (map is null)
        {
            return null;
        }

        int timeout = (int)(map.Integer("timeout") ?? 5);
        var serialMap = map.Mapping("serial");
        var serial = new SerialSpec(0, 115200);
        if (serialMap is not null)
        {
            int port = (int)(serialMap.Integer("port") ?? 0);
            long? speed = serialMap.Integer("speed");
            serial = new SerialSpec(port, (int)(speed ?? 115200));
            serialMap.Finish();
        }

        var entries = ImmutableArray.CreateBuilder<BootEntry>();
        var entryNodes = map.MappingList("entries");
        foreach (var entryMap in entryNodes)
        {
            if (ReadEntry(entryMap) is { } entry)
            {
                entries.Add(entry);
            }
        }

        if (map.Has("entries") && entryNodes.Count == 0)
        {
            map.Sink.Error(map.NodeOf("entries")!, "boot.entries: at least one entry is needed");
        }

        int defaultEntry = (int)(map.Integer("default", max: Math.Max(0, entryNodes.Count - 1)) ?? 0);
        var firmware = new List<FirmwareKind>();
        foreach (string value in map.CheckedStringList("firmware"))
        {
            firmware.Add(value == "uefi" ? FirmwareKind.Uefi : FirmwareKind.Bios);
        }

        if (map.Has("firmware") && firmware.Count == 0 && map.NodeOf("firmware") is YamlSequenceNode { Children.Count: 0 } empty)
        {
            map.Sink.Error(empty, "boot.firmware: name at least one of bios, uefi");
        }

        string? loaderText = map.String("uefi_loader");
        var loader = loaderText == "xen-efi" ? UefiLoader.XenEfi : UefiLoader.Grub;
        map.Finish();
        ImmutableArray<FirmwareKind> kinds = firmware.Count == 0 ? [FirmwareKind.Bios, FirmwareKind.Uefi] : [.. firmware.Distinct()];
        if (loader == UefiLoader.XenEfi && !entries.Any(e => e.Type == BootEntryType.Xen))
        {
            map.Sink.Error(map.NodeOf("uefi_loader")!, "boot.uefi_loader: xen-efi needs at least one entry of type xen");
        }

        return new BootSpec(timeout, serial, entries.ToImmutable(), defaultEntry, kinds, loader);
    }

    private static BootEntry? ReadEntry(YamlMappingReader? map)
    {
        if (map is null)
        {
            return null;
        }

        string? title = map.String("title", check: ValueRules.Text);
        string? typeText = map.String("type");
        var xenOptions = ReadXenOptions(map.Mapping("xen_options")) ?? XenCommandLine.Empty;
        string? kernelOptions = map.String("kernel_options", check: ValueRules.BootCommandLine);
        map.Finish();
        var type = typeText == "linux" ? BootEntryType.Linux : BootEntryType.Xen;
        if (type == BootEntryType.Linux && xenOptions.Options.Length > 0)
        {
            map.Sink.Error(map.NodeOf("xen_options")!, "boot.entries[].xen_options: a linux entry boots without Xen");
        }

        return title is null ? null : new BootEntry(title, type, xenOptions, kernelOptions);
    }

    /// <summary>A mapping of Xen options: scalars are values, true is a bare flag, false is "name=no"; 'extra' is passed as written.</summary>
    private static XenCommandLine? ReadXenOptions(YamlMappingReader? map)
    {
        if (map is null)
        {
            return null;
        }

        string extra = map.String("extra", check: ValueRules.XenCommandLine) ?? string.Empty;
        var options = ImmutableArray.CreateBuilder<XenOption>();
        foreach (var (key, value) in map.Rest())
        {
            if (value is not YamlScalarNode { Value: { } text })
            {
                map.Sink.Error(value, $"{map.Qualified(key.Value!)}: expected a single value");
                continue;
            }

            var option = text switch
            {
                "true" => new XenOption(key.Value!, null),
                "false" => new XenOption(key.Value!, "no"),
                _ => new XenOption(key.Value!, text),
            };
            if (option.Value is not null && ValueRules.XenOptionValue(option.Value) is { } unfit)
            {
                map.Sink.Error(value, $"{map.Qualified(option.Name)}: {unfit}");
                continue;
            }

            if (XenCommandLine.Validate(option.Name, option.Value) is { } problem)
            {
                map.Sink.Error(XenCommandLine.KnownOptions.Contains(option.Name) ? value : key, $"{map.Section}: {problem}");
                continue;
            }

            options.Add(option);
        }

        return new XenCommandLine(options.ToImmutable(), extra);
    }

    /// <summary>
    /// The Dom0 memory each Xen entry boots with must hold NEED. Xen reads every dom0_mem= on its command line in
    /// order, each one setting only the amount, min: or max: it names (parse_dom0_mem, xen/arch/x86/dom0_build.c), so
    /// an entry's value is all of them joined; the error is located where the last one is written (an entry's own
    /// extra text or option, or the hypervisor's), once per place.
    /// </summary>
    private static void CheckDom0Memory(YamlMappingReader root, HypervisorSpec hypervisor, BootSpec boot, Dom0Memory need)
    {
        const string Option = "dom0_mem";
        static bool InExtra(XenCommandLine line) => line.Extra.Split(' ').Any(w => w.StartsWith(Option + "=", StringComparison.Ordinal));
        var hypervisorLine = Child(root.NodeOf("hypervisor")!, "command_line");
        var bootNode = root.NodeOf("boot")!;
        var entryNodes = Child(bootNode, "entries") is YamlSequenceNode sequence && sequence.Children.Count == boot.Entries.Length ? sequence.Children : null;
        var reported = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        foreach (var (entry, index) in boot.Entries.Select((e, i) => (e, i)).Where(x => x.e.Type == BootEntryType.Xen))
        {
            string[] values = [.. hypervisor.CommandLine.Merge(entry.XenOptions).Render().Split(' ')
                .Where(w => w.StartsWith(Option + "=", StringComparison.Ordinal)).Select(w => w[(Option.Length + 1)..])];
            if (values.Length == 0 || Dom0Memory.GrantedMiB(string.Join(',', values)) is not { } granted || granted >= need.TotalMiB)
            {
                continue;
            }

            var entryLine = entryNodes is null ? bootNode : Child(entryNodes[index], "xen_options");
            var (node, key) = InExtra(entry.XenOptions) ? (Child(entryLine, "extra"), "boot.entries[].xen_options.extra")
                : InExtra(hypervisor.CommandLine) ? (Child(hypervisorLine, "extra"), "hypervisor.command_line.extra")
                : entry.XenOptions.ValueOf(Option) is not null ? (Child(entryLine, Option), $"boot.entries[].xen_options.{Option}")
                : (Child(hypervisorLine, Option), $"hypervisor.command_line.{Option}");
            if (reported.Add(node))
            {
                string before = values.Length > 1 ? $" (after {string.Join(", ", values[..^1].Select(v => $"{Option}={v}"))} on Xen's command line)" : string.Empty;
                root.Sink.Error(node, $"{key}: '{values[^1]}'{before} gives the Dom0 at most {granted} MiB; with this recipe's guests it needs {need.TotalMiB} MiB: {need.Explain()}");
            }
        }
    }

    /// <summary>The node at PATH below NODE, or the deepest one found (read again after its section was read).</summary>
    private static YamlNode Child(YamlNode node, params string[] path)
    {
        foreach (string key in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out var child))
            {
                break;
            }

            node = child;
        }

        return node;
    }

    private static string? CheckPackage(string value) =>
        PackagePattern().IsMatch(value) ? null : $"'{value}' is not a Debian package name";

    private static string? CheckSourcesUrl(string value) =>
        ValueRules.SourcesField(value) ?? (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "file" ? null : $"'{value}' is not an http(s) or file URL");

    /// <summary>
    /// A guest's name is its xl domain name, its host name, a folder and part of step ids: a host name label without
    /// double hyphens (xl renames a domain NAME--incoming while it migrates), and not a name Xen's tools use for the Dom0.
    /// </summary>
    private static string? CheckGuestName(string value) =>
        !GuestName().IsMatch(value) || value.Length > 32 ? $"'{value}' must be lower-case letters, digits and single '-' between them (at most 32), starting with a letter"
        : value is "dom0" or "domain-0" ? $"'{value}' names the Dom0 in Xen's tools; give the guest another name"
        : null;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}\\z")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Z0-9_]{1,32}\\z")]
    private static partial Regex VolumeLabelPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9.+-]+\\z")]
    private static partial Regex PackagePattern();

    [GeneratedRegex("^[a-z][a-z0-9-]*\\z")]
    private static partial Regex SuitePattern();

    [GeneratedRegex("^[0-9a-fA-F]{64}\\z")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[a-z0-9_]*config\\z")]
    private static partial Regex ConfigTarget();

    [GeneratedRegex("^[A-Z][A-Z0-9_]*\\z")]
    private static partial Regex MakeVariable();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}\\z")]
    private static partial Regex ModuleName();

    [GeneratedRegex(@"^--[a-z0-9][a-z0-9-]*(=\S*)?\z")]
    private static partial Regex ConfigureOption();

    [GeneratedRegex(@"^[A-Za-z0-9@._:-]+\.(service|socket|mount|timer|path|target)\z")]
    private static partial Regex UnitName();

    [GeneratedRegex("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\z")]
    private static partial Regex HostnamePattern();

    [GeneratedRegex("^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+) [A-Za-z0-9+/=]{16,}( [^\\x00-\\x1F\\x7F]*)?\\z")]
    private static partial Regex AuthorizedKey();

    [GeneratedRegex(@"^[a-z](-?[a-z0-9])*\z")]
    private static partial Regex GuestName();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9/-]*\z")]
    private static partial Regex ComponentPattern();

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9_.-]{0,14}\\z")]
    private static partial Regex BridgeName();

    [GeneratedRegex("^([0-9]+:)?[0-9][A-Za-z0-9.+~-]*\\z")]
    private static partial Regex DebianVersion();
}
