using ImageBuilder.Recipes;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Recipes;

public sealed class RecipeLoaderTests
{
    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "Recipes", "Samples", name);

    /// <summary>valid.yaml with replacements, beside an overlay folder so that it stays valid otherwise.</summary>
    private static string ValidVariant(TempDirectory dir, string fileName, string from, string to)
    {
        Directory.CreateDirectory(dir.Combine("overlay"));
        string text = File.ReadAllText(Sample("valid.yaml"));
        Assert.Contains(from, text, StringComparison.Ordinal);
        return dir.Write(fileName, text.Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public void The_default_demo_recipe_is_valid()
    {
        var result = RecipeLoader.Load(Repository.PathOf("recipes/xen-demo.yaml"));

        Assert.Empty(result.Diagnostics);
        var recipe = result.Recipe!;
        Assert.Equal("xen-demo", recipe.Name);
        Assert.Equal("XEN_DEMO", recipe.VolumeLabel);
        Assert.Null(recipe.Hypervisor.Package);
        Assert.Equal("y", recipe.Hypervisor.Build!.Fragment.Options["CONFIG_SHADOW_PAGING"]);
        Assert.Equal("linux-image-amd64", recipe.Dom0.Kernel.Package);
        Assert.Contains("dom0_mem=1024M,max:1024M", recipe.Hypervisor.CommandLine.Render(), StringComparison.Ordinal);
        Assert.Equal(4, recipe.Boot.Entries.Length);
        Assert.Equal(BootEntryType.Linux, recipe.Boot.Entries[3].Type);
        Assert.Contains("xen-utils-4.17", recipe.Dom0.Rootfs!.Packages);
        Assert.True(recipe.Dom0.Rootfs.Presenter);
        Assert.Empty(recipe.Dom0.Rootfs.AuthorizedKeys);
        Assert.Equal(["tiny", "debian", "tiny-pvh", "hvm"], recipe.Guests.Select(g => g.Name));
        Assert.Equal(512, Assert.IsType<DiskGuestSpec>(recipe.Guests[1]).DiskMiB);
        Assert.Equal(GuestType.Pvh, recipe.Guests[2].Type);
        Assert.Equal(DemoMode.Unattended, recipe.Demo);
    }

    [Fact]
    public void The_minimal_recipe_keeps_the_dom0_in_its_initramfs()
    {
        var result = RecipeLoader.Load(Repository.PathOf("recipes/xen-minimal.yaml"));

        Assert.Empty(result.Diagnostics);
        Assert.Equal("xen-hypervisor-4.17-amd64", result.Recipe!.Hypervisor.Package);
        Assert.Null(result.Recipe.Dom0.Rootfs);
        Assert.Empty(result.Recipe.Guests);
    }

    [Fact]
    public void Guest_and_demo_mistakes_are_located_and_all_reported()
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-demo.yaml"), "bad-guests.yaml",
            ("  - name: debian\n    type: pv", "  - name: tiny\n    type: qemu"),
            ("disk: { size_mib: 512 }", "disk: { size_mib: 1 }"),
            ("demo: unattended", "demo: sometimes"),
            ("    presenter: true", "    presenter: true\n    ssh_authorized_keys: [\"password123\"]"));

        var messages = RecipeLoader.Load(recipe).Diagnostics.Select(d => d.ToString()).ToList();

        Assert.Contains(messages, m => m.Contains("guests[].type: 'qemu' is not a guest type (pv, pvh or hvm)", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("guests[].name: 'tiny' is declared twice", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("size_mib: 1 is out of range", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("demo: 'sometimes' is not a demo mode", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("ssh_authorized_keys: not a public key line", StringComparison.Ordinal));
        Assert.All(messages, m => Assert.Matches(@"^.+bad-guests\.yaml:\d+:\d+: ", m));
    }

    [Fact]
    public void Guests_without_a_dom0_root_filesystem_are_refused()
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-minimal.yaml"), "no-rootfs.yaml",
            ("boot:\n", "guests:\n  - name: tiny\n    packages: [busybox-static]\ndemo: unattended\n\nboot:\n"));

        var messages = RecipeLoader.Load(recipe).Diagnostics.Select(d => d.ToString()).ToList();

        Assert.Contains(messages, m => m.Contains("guests: guests need a Dom0 with the Xen tools; add dom0.rootfs", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("demo: the demo runs in a Dom0 root filesystem; add dom0.rootfs", StringComparison.Ordinal));
    }

    [Fact]
    public void A_valid_recipe_becomes_an_immutable_model_with_defaults_filled_in()
    {
        var result = RecipeLoader.Load(Sample("valid.yaml"));

        Assert.True(result.Succeeded, string.Join('\n', result.Diagnostics));
        var recipe = result.Recipe!;
        Assert.Equal(1700000000, recipe.Epoch);
        Assert.Equal(RecipeLoader.DefaultMirror, recipe.Archive.Mirror);
        Assert.Equal(["main"], recipe.Archive.Components.ToArray());
        Assert.Equal("dom0_mem=max:2G,1G console=com1 noreboot some-new-option=1", recipe.Hypervisor.CommandLine.Render());
        Assert.Equal("console=hvc0", recipe.Dom0.CommandLine);
        Assert.Equal(Path.Combine(Path.GetDirectoryName(Sample("valid.yaml"))!, "overlay"), recipe.Dom0.Initramfs.Overlays.Single());
        Assert.Equal(5, recipe.Boot.Timeout);
        Assert.Equal(new SerialSpec(0, 115200), recipe.Boot.Serial);
    }

    [Fact]
    public void Source_date_epoch_wins_over_the_recipe_epoch()
    {
        var result = RecipeLoader.Load(Sample("valid.yaml"), sourceDateEpoch: 42);

        Assert.Equal(42, result.Recipe!.Epoch);
    }

    [Fact]
    public void Every_mistake_in_a_file_is_reported_in_one_run_with_its_line_and_column()
    {
        var result = RecipeLoader.Load(Sample("many-errors.yaml"));
        var messages = result.Diagnostics.Select(d => d.ToString()).ToList();
        string file = Sample("many-errors.yaml");

        Assert.Null(result.Recipe);
        Assert.Contains(messages, m => m.StartsWith($"{file}:1:7: name: 'Bad Name'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith($"{file}:2:15: volume_label: 'xen-demo'", StringComparison.Ordinal));
        Assert.Contains($"{file}:3:8: epoch: expected a whole number, got 'yesterday'", messages);
        Assert.Contains(messages, m => m.StartsWith($"{file}:4:1: colour: unknown key (expected one of:", StringComparison.Ordinal));
        Assert.Contains($"{file}:7:11: archive.mirror: 'ftp//nowhere' is not an http(s) or file URL", messages);
        Assert.Contains(messages, m => m.StartsWith($"{file}:8:1: hypervisor.package: required", StringComparison.Ordinal) || m.StartsWith($"{file}:9:3: hypervisor.package: required", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith($"{file}:10:15: hypervisor.command_line: dom0_mem: 'lots' is not a size", StringComparison.Ordinal));
        Assert.Contains($"{file}:11:5: hypervisor.command_line: unknown Xen option 'consle'; did you mean 'console'? (options this tool does not know go under 'extra')", messages);
        Assert.Contains(messages, m => m.StartsWith($"{file}:12:13: hypervisor.command_line: loglvl: 'chatty'", StringComparison.Ordinal));
        Assert.Contains($"{file}:17:32: dom0.initramfs.packages: 'Not A Package' is not a Debian package name", messages);
        Assert.Contains(messages, m => m.StartsWith($"{file}:18:16: dom0.initramfs.overlays: directory 'no-such-dir' not found", StringComparison.Ordinal));
        Assert.Contains($"{file}:20:12: boot.timeout: expected a single value, not a list", messages);
        Assert.Contains($"{file}:21:19: boot.serial.port: 9 is out of range (0 to 3)", messages);
        Assert.Contains(messages, m => m.StartsWith($"{file}:21:29: boot.serial.speed: 1234 is not one of", StringComparison.Ordinal));
        Assert.Contains($"{file}:24:13: boot.entries[].type: 'hurd' is not a boot entry type (xen or linux)", messages);
        Assert.Contains(messages, m => m.Contains(":25:7: boot.entries[].title: required", StringComparison.Ordinal));
        Assert.Equal(16, messages.Count);
        Assert.Equal(messages.OrderBy(m => int.Parse(m.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)), messages);
    }

    [Fact]
    public void A_yaml_syntax_error_is_located()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("broken.yaml", "name: x\nboot: [unclosed\n");

        var result = RecipeLoader.Load(path);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(path, diagnostic.File);
        Assert.True(diagnostic.Line >= 2, diagnostic.ToString());
        Assert.StartsWith("YAML syntax:", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_sections_are_each_reported_as_required()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("empty.yaml", "name: x\nvolume_label: X\nepoch: 1\n");

        var messages = RecipeLoader.Load(path).Diagnostics.Select(d => d.Message).ToList();

        Assert.Equal(["archive: required", "hypervisor: required", "dom0: required", "boot: required"], messages);
    }

    [Fact]
    public void Epoch_is_required_unless_source_date_epoch_is_set()
    {
        using var dir = new TempDirectory();
        string path = ValidVariant(dir, "no-epoch.yaml", "epoch: 1700000000\n", string.Empty);

        Assert.Contains(RecipeLoader.Load(path).Diagnostics, d => d.Message == "epoch: required");
        Assert.True(RecipeLoader.Load(path, sourceDateEpoch: 5).Succeeded);
    }

    [Fact]
    public void A_linux_entry_with_xen_options_is_a_mistake()
    {
        using var dir = new TempDirectory();
        string path = ValidVariant(dir, "linux.yaml", "      type: linux\n", "      type: linux\n      xen_options: { console: com1 }\n");

        Assert.Contains(RecipeLoader.Load(path).Diagnostics, d => d.Message == "boot.entries[].xen_options: a linux entry boots without Xen");
    }

    [Fact]
    public void Firmware_defaults_to_bios_and_uefi_with_grub()
    {
        var boot = RecipeLoader.Load(Sample("valid.yaml")).Recipe!.Boot;

        Assert.True(boot.Bios);
        Assert.True(boot.Uefi);
        Assert.Equal(UefiLoader.Grub, boot.UefiLoader);
    }

    [Fact]
    public void Firmware_and_uefi_loader_are_read_and_checked()
    {
        using var dir = new TempDirectory();
        string good = ValidVariant(dir, "good.yaml", "boot:\n", "boot:\n  firmware: [uefi]\n  uefi_loader: xen-efi\n");
        string bad = ValidVariant(dir, "bad.yaml", "boot:\n", "boot:\n  firmware: [bios, coreboot]\n  uefi_loader: shim\n");

        var boot = RecipeLoader.Load(good).Recipe!.Boot;
        var errors = RecipeLoader.Load(bad).Diagnostics.Select(d => d.Message).ToList();

        Assert.False(boot.Bios);
        Assert.True(boot.Uefi);
        Assert.Equal(UefiLoader.XenEfi, boot.UefiLoader);
        Assert.Contains("boot.firmware: 'coreboot' is not a firmware (bios or uefi)", errors);
        Assert.Contains("boot.uefi_loader: 'shim' is not a UEFI loader (grub or xen-efi)", errors);
    }

    [Fact]
    public void The_source_recipe_compiles_xen_from_the_debian_source_package()
    {
        var result = RecipeLoader.Load(Repository.PathOf("recipes/xen-source.yaml"));

        Assert.Empty(result.Diagnostics);
        var hypervisor = result.Recipe!.Hypervisor;
        Assert.Null(hypervisor.Package);
        var source = Assert.IsType<Hv.Kernel.Sources.DebianSourcePackage>(hypervisor.Source);
        Assert.Equal("xen", source.Package);
        Assert.Equal("4.17.5+72-g01140da4e8-1", source.Version);
        Assert.Equal("CONFIG_SHADOW_PAGING=y\n", hypervisor.Build!.Fragment.Render());
        Assert.Equal("defconfig", hypervisor.Build.BaseConfig);
        var tools = result.Recipe.Dom0.Tools!;
        Assert.Same(hypervisor.Source, tools.Source);
        Assert.Equal(["xenstored.service", "xenconsoled.service", "xen-init-dom0.service"], tools.Options.Services.ToArray());
        Assert.Contains("libyajl-dev", tools.BuildPackages);
        Assert.DoesNotContain(result.Recipe.Dom0.Rootfs!.Packages, p => p.StartsWith("xen-utils", StringComparison.Ordinal));
    }

    [Fact]
    public void Dom0_tools_mistakes_are_located_and_all_reported()
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-source.yaml"), "bad-tools.yaml",
            ("    packages: [systemd-sysv, udev, kmod, iproute2, procps, less]", "    packages: [systemd-sysv, xen-utils-4.17]"),
            ("    services: [xenstored.service, xenconsoled.service, xen-init-dom0.service]",
             "    services: [xenstored, xenconsoled.service]\n    configure: [enable-foo, --with-system-qemu=/usr/bin/qemu]\n    build_packages: [Bad_Name]\n    compiler: clang"));

        var messages = RecipeLoader.Load(recipe).Diagnostics.Select(d => d.ToString()).ToList();

        Assert.Contains(messages, m => m.Contains("dom0.tools: dom0.rootfs.packages lists 'xen-utils-4.17', Debian's build of the tools the recipe compiles; remove one of them", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("dom0.tools.services: 'xenstored' is not a systemd unit name such as xenstored.service", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("dom0.tools.configure: 'enable-foo' is not a configure option", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("dom0.tools.build_packages: ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("dom0.tools.compiler: unknown key", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.Contains("--with-system-qemu", StringComparison.Ordinal));
        Assert.All(messages, m => Assert.Matches(@"^.+bad-tools\.yaml:\d+:\d+: ", m));
    }

    [Fact]
    public void Dom0_tools_need_a_root_filesystem_and_a_source()
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-minimal.yaml"), "tools.yaml",
            ("  initramfs:\n", "  tools: {}\n  initramfs:\n"));

        var messages = RecipeLoader.Load(recipe).Diagnostics.Select(d => d.ToString()).ToList();

        Assert.Contains(messages, m => m.Contains("dom0.tools: give a source; the hypervisor comes from a binary package, so there is no source to share", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("dom0.tools: the compiled tools are installed into the Dom0 root filesystem; add dom0.rootfs", StringComparison.Ordinal));
    }

    [Fact]
    public void Hypervisor_source_mistakes_are_located()
    {
        using var dir = new TempDirectory();
        const string package = "  package: xen-hypervisor-4.17-amd64\n";
        string both = ValidVariant(dir, "both.yaml", package, package + "  source: { local: nowhere }\n  kconfig: \"HYPFS=y\"\n  make_variables: { lower: 1 }\n");
        string binary = ValidVariant(dir, "binary.yaml", package, package + "  jobs: 4\n");

        var errors = RecipeLoader.Load(both).Diagnostics.Select(d => d.Message).ToList();
        var binaryErrors = RecipeLoader.Load(binary).Diagnostics.Select(d => d.Message).ToList();

        Assert.Contains("hypervisor: give either package (binary) or source (compile), not both", errors);
        Assert.Contains(errors, e => e.StartsWith("hypervisor.source.local: 'nowhere' is not a Xen source tree", StringComparison.Ordinal));
        Assert.Contains("hypervisor.kconfig: line 1: 'HYPFS=y' is neither CONFIG_NAME=VALUE nor '# CONFIG_NAME is not set'", errors);
        Assert.Contains("hypervisor.make_variables: 'lower' must be NAME: value with NAME of A-Z, 0-9 and _", errors);
        Assert.Equal(["hypervisor.jobs: only used when the hypervisor is compiled from source"], binaryErrors);
    }

    [Fact]
    public void A_tarball_source_needs_a_url_and_a_sha256()
    {
        using var dir = new TempDirectory();
        const string package = "  package: xen-hypervisor-4.17-amd64\n";
        string good = ValidVariant(dir, "good.yaml", package, $"  source:\n    tarball: {{ url: https://downloads.example/xen-4.17.5.tar.gz, sha256: {new string('a', 64)} }}\n");
        string bad = ValidVariant(dir, "bad.yaml", package, "  source:\n    tarball: { url: https://downloads.example/xen.tar.gz, sha256: abc }\n");

        var source = Assert.IsType<Hv.Kernel.Sources.UpstreamTarball>(RecipeLoader.Load(good).Recipe!.Hypervisor.Source);

        Assert.Equal("https://downloads.example/xen-4.17.5.tar.gz", source.Url.ToString());
        Assert.Equal(["hypervisor.source.tarball.sha256: must be the archive's SHA-256: 64 hexadecimal digits"], RecipeLoader.Load(bad).Diagnostics.Select(d => d.Message));
    }
}
