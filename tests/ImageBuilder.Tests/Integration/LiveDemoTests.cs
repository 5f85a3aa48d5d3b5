using System.Text.Json;
using System.Text.RegularExpressions;
using ImageBuilder.Common.Processes;
using ImageBuilder.Qemu;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Integration;

/// <summary>
/// recipes/xen-demo.yaml as a presenter gets it: the Debian Dom0 boots live from CD and from USB, starts a PV, a PVH
/// and an HVM guest (each saying how Xen runs it), runs the unattended demo on each kind, and the pieces on the medium
/// are read back by tools we did not write, the HVM guest's disk booted by firmware as well.
/// </summary>
[Trait("Category", "Slow")]
[Collection("qemu")]
public sealed class LiveDemoTests(LiveDemoFixture demo) : IClassFixture<LiveDemoFixture>
{
    /// <summary>
    /// What `imagebuilder test` expects of every boot of this image, read from its manifest: each marker is part of a
    /// line the boot above is checked to show (README lists the same), one per autostart guest with its declared type.
    /// </summary>
    [Fact]
    public void Imagebuilder_test_expects_of_the_demo_image_what_its_boots_show()
    {
        var expectations = ImageExpectations.FromManifest(Path.ChangeExtension(demo.Image, ".manifest.json"));

        Assert.Equal([Firmware.Bios, Firmware.Uefi], expectations.Firmware);
        Assert.Equal(["Dom0 ready", "guest tiny ready", "guest debian ready", "guest tiny-pvh ready", "guest hvm ready", "demo done"], expectations.Checks.Select(c => c.Name));
        Assert.All(expectations.Checks, c => Assert.Contains(LiveDemoBootTests.Expected, line => line.Contains(c.Marker, StringComparison.Ordinal)));
    }

    /// <summary>
    /// A machine without hardware virtualisation (QEMU's model with AMD-V taken away; the third way to boot, BIOS USB):
    /// Xen reports no hvm, the PVH and HVM guests are skipped with a message before xl sees them, the PV guests start,
    /// and the demo shows what runs. Its NIC is on a LAN where dnsmasq, in a network namespace of the test's own,
    /// answers DHCP: the Dom0 takes the lease (dnsmasq's log shows the ack to the machine's MAC), and with no other host
    /// of the image on the LAN the demo migrates on this host after its bounded wait, saying so.
    /// </summary>
    [Fact]
    public void Without_hardware_virtualisation_the_pvh_and_hvm_guests_are_skipped_and_the_pv_guests_run_the_demo()
    {
        string log = demo.Directory.Combine("live-no-svm.log");
        string dhcpLog = demo.Directory.Combine("dnsmasq.log");
        string[] expected =
        [
            "IMAGEBUILDER-DOM0-READY xen=4.17.",
            "dom0-hostname: xen-demo-525400494201 (from the MAC 52:54:00:49:42:01)",
            "dom0-address: 10.231.9.",
            "guest tiny-pvh: skipped, a pvh guest needs hardware virtualisation",
            "guest hvm: skipped, a hvm guest needs hardware virtualisation",
            "preflight: firmware: BIOS (legacy boot; Secure Boot does not apply)",
            "preflight: hardware virtualization: not available (the CPU has no VT-x/AMD-V, or a hypervisor below hides it): PV guests only",
            "preflight: guests that run here: tiny (pv) debian (pv)",
            "preflight: guests skipped: tiny-pvh (pvh) hvm (hvm): they need hardware virtualization",
            "IMAGEBUILDER-PREFLIGHT warnings=2",
            "IMAGEBUILDER-DOMU-READY name=tiny guest_type=PV",
            "IMAGEBUILDER-DOMU-READY name=debian guest_type=PV",
            "demo: no peer found within 90 s; live migration stays on this host",
            "demo: live migration of tiny took",
            "demo: guest tiny-pvh (PVH) is not running; its part of the demo is skipped",
            "demo: guest hvm (HVM) is not running; its part of the demo is skipped",
            "IMAGEBUILDER-DEMO-DONE",
        ];

        using var space = new NetworkNamespace();
        string tap = space.AddTap("10.231.9.1/24");
        using var dnsmasq = space.Start("dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0", "--user=root", "--group=root",
            $"--interface={tap}", "--bind-interfaces", "--dhcp-range=10.231.9.50,10.231.9.99,255.255.255.0,1h", $"--dhcp-leasefile={demo.Directory.Combine("dnsmasq.leases")}",
            "--log-dhcp", $"--log-facility={dhcpLog}");
        ProcessResult boot;
        try
        {
            boot = ImageBuilderCli.RunIn(space, ["boot", demo.Image, "--firmware", "bios", "--media", "usb", "--cpu", "qemu64,-svm", "--lan-tap", tap, "--timeout", "900", "--fail-on", "IMAGEBUILDER-DEMO-FAILED", "--log", log, "--timeline", .. expected.SelectMany(m => new[] { "--expect", m })]);
        }
        finally
        {
            dnsmasq.Kill(entireProcessTree: true);
            dnsmasq.WaitForExit();
        }

        string serial = File.Exists(LanBoot.LogFileOf(log, 1)) ? File.ReadAllText(LanBoot.LogFileOf(log, 1)) : string.Empty;
        Assert.True(boot.ExitCode == 0, $"{boot.StandardOutput}{boot.StandardError}\nthe demo said:\n{string.Join('\n', serial.Split('\n').Where(line => line.Contains("demo: ", StringComparison.Ordinal) || line.Contains("dom0-", StringComparison.Ordinal)))}");
        Assert.Matches("xen-virt_caps: pv(?! hvm)", serial);
        Assert.DoesNotContain("IMAGEBUILDER-DOMU-CREATED name=tiny-pvh", serial, StringComparison.Ordinal);
        Assert.DoesNotContain("IMAGEBUILDER-DOMU-CREATED name=hvm", serial, StringComparison.Ordinal);
        DemoBuild.AssertTimeline(boot.StandardOutput, "Dom0 ready", "guest tiny created", "guest tiny ready", "demo done");

        // The address the console printed is the one dnsmasq acknowledged to this machine's MAC.
        string address = Regex.Match(serial, @"dom0-address: (10\.231\.9\.[0-9]+)/24 on xenbr0 \(DHCP\)").Groups[1].Value;
        Assert.NotEmpty(address);
        string leases = File.ReadAllText(dhcpLog);
        Assert.True(leases.Contains($"DHCPACK({tap}) {address} 52:54:00:49:42:01", StringComparison.Ordinal), leases);

        // The preflight's network line names the NIC with its link, the bridge it is in and the bridge's DHCP address.
        Assert.Matches($@"preflight: network: \S+ link up in xenbr0, (\S+ )*{Regex.Escape(address)}/24\b", serial);
    }

    [Fact]
    public void The_dom0_root_has_the_xen_tools_a_locked_root_and_ssh_only_for_receiving_a_migration()
    {
        string squashfs = Extract("/live/dom0.squashfs");
        string Cat(string path) => Tool.Run("unsquashfs", "-cat", squashfs, path);

        string listing = Tool.Run("unsquashfs", "-lln", "-d", "", squashfs);
        string shadow = Cat("/etc/shadow");
        string xenDefaults = Cat("/etc/default/xen");

        Assert.Contains(" /usr/sbin/xl", listing, StringComparison.Ordinal);
        Assert.Contains(" /etc/init.d/xen", listing, StringComparison.Ordinal);
        Assert.Contains(" /usr/local/bin/xen-demo", listing, StringComparison.Ordinal);
        Assert.Matches(@"-rw-r----- 0/42 .* /etc/shadow", listing);
        Assert.Matches("(?m)^root:[*!]", shadow);
        Assert.Contains("--log=guest", xenDefaults, StringComparison.Ordinal);
        Assert.Matches(@"/usr/lib/modules/[^/]+/kernel/drivers/net/xen-netback/xen-netback\.ko", listing);

        // SSH: keys only, and root only for forced commands; the one key is the image's migration key, bound to the
        // receiver. ssh-keygen (OpenSSH's own reader) derives from each private key the public key the others name.
        string sshd = Cat("/etc/ssh/sshd_config.d/imagebuilder.conf");
        Assert.Contains("PasswordAuthentication no", sshd, StringComparison.Ordinal);
        Assert.Contains("KbdInteractiveAuthentication no", sshd, StringComparison.Ordinal);
        Assert.Contains("PermitRootLogin forced-commands-only", sshd, StringComparison.Ordinal);
        Assert.Matches(@"-rw------- 0/0 .* /etc/imagebuilder/migration/id_ecdsa\n", listing);
        Assert.Matches(@"-rw------- 0/0 .* /etc/ssh/ssh_host_ecdsa_key\n", listing);
        Assert.DoesNotMatch(@"/etc/ssh/ssh_host_(rsa|ed25519)_key", listing);

        string clientKey = demo.Directory.Combine("migration-key");
        string hostKey = demo.Directory.Combine("host-key");
        File.WriteAllText(clientKey, Cat("/etc/imagebuilder/migration/id_ecdsa"));
        File.WriteAllText(hostKey, Cat("/etc/ssh/ssh_host_ecdsa_key"));
        File.SetUnixFileMode(clientKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(hostKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string clientPublic = Tool.Run("ssh-keygen", "-y", "-f", clientKey).Trim();
        string hostPublic = Tool.Run("ssh-keygen", "-y", "-f", hostKey).Trim();

        var authorized = Cat("/root/.ssh/authorized_keys").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"restrict,command=\"/usr/lib/imagebuilder/migrate-receive\" {clientPublic} imagebuilder-migration@xen-demo", Assert.Single(authorized));
        Assert.Equal($"imagebuilder-peer-xen-demo {hostPublic}", Cat("/etc/imagebuilder/migration/known_hosts").Trim());
        string fingerprint = Tool.Run("ssh-keygen", "-l", "-E", "sha256", "-f", clientKey).Split(' ')[1];
        Assert.Contains($"key={fingerprint}\n", Cat("/etc/imagebuilder/migration/peer-group"), StringComparison.Ordinal);
        Assert.Contains($"<txt-record>key={fingerprint}</txt-record>", Cat("/etc/avahi/services/imagebuilder-migration.service"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_guest_disk_is_a_clean_ext4_filesystem_holding_debian()
    {
        string into = GuestsLayer();
        string disk = Path.Combine(into, "usr/lib/imagebuilder/guests/debian/disk.ext4");

        var fsck = Tool.RunUnchecked("e2fsck", "-f", "-n", disk);
        string osRelease = Tool.Run("debugfs", "-R", "cat /usr/lib/os-release", disk);
        string config = File.ReadAllText(Path.Combine(into, "etc/xen/imagebuilder/debian.cfg"));

        Assert.True(fsck.ExitCode == 0, fsck.StandardOutput + fsck.StandardError);
        Assert.Contains("Debian GNU/Linux 12", osRelease, StringComparison.Ordinal);
        Assert.Contains("type = \"pv\"", config, StringComparison.Ordinal);
        Assert.Contains("target=/dev/mapper/imagebuilder-debian", config, StringComparison.Ordinal);
        Assert.Contains("debian\tpv\tyes\t/usr/lib/imagebuilder/guests/debian/disk.ext4\t/dev/mapper/imagebuilder-debian\t/var/lib/imagebuilder/guests/debian.cow\n",
            File.ReadAllText(Path.Combine(into, "etc/imagebuilder/guests.tsv")), StringComparison.Ordinal);
        Assert.Contains("bridge=xenbr0", config, StringComparison.Ordinal);
        Assert.Contains("type = \"pvh\"", File.ReadAllText(Path.Combine(into, "etc/xen/imagebuilder/tiny-pvh.cfg")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_guests_kernel_is_an_elf_file_with_xens_pv_and_pvh_entry_notes()
    {
        string into = GuestsLayer();
        // The kernel the PVH guest's xl configuration names (xl reads a bzImage too, but decompresses it every time).
        var named = Regex.Match(File.ReadAllText(Path.Combine(into, "etc/xen/imagebuilder/tiny-pvh.cfg")), "(?m)^kernel = \"/(.+)\"$");
        Assert.True(named.Success, "tiny-pvh.cfg names no kernel");
        string kernel = Path.Combine(into, named.Groups[1].Value);

        // readelf's words are translated: read them in the C locale.
        string header = ProcessRunner.Run(ProcessSpec.Of("readelf", "-h", kernel).WithEnvironment("LC_ALL", "C")).StandardOutput;
        string notes = ProcessRunner.Run(ProcessSpec.Of("readelf", "-n", kernel).WithEnvironment("LC_ALL", "C")).StandardOutput;

        Assert.Matches(@"Type:\s+EXEC", header);
        Assert.Matches(@"Machine:\s+Advanced Micro Devices X86-64", header);
        // xen/include/public/elfnote.h: XEN_ELFNOTE_ENTRY (1) for PV, XEN_ELFNOTE_PHYS32_ENTRY (18) for PVH.
        Assert.Matches(@"(?m)^\s+Xen\s+0x[0-9a-f]+\s+NT_VERSION", notes);
        Assert.Matches(@"(?m)^\s+Xen\s+0x[0-9a-f]+\s+Unknown note type: \(0x00000012\)", notes);
    }

    [Fact]
    public void The_manifest_lists_every_package_of_dom0_and_the_guests_with_the_image_checksum()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(demo.Image, ".manifest.json")));
        var root = manifest.RootElement;
        var components = root.GetProperty("components");
        string[] Names(string component) => [.. components.GetProperty(component).EnumerateArray().Select(p => p.GetProperty("name").GetString()!)];

        Assert.Equal(DemoBuild.Sha256(demo.Image), root.GetProperty("sha256").GetString());
        Assert.Contains("xen-utils-4.17", Names("dom0"));
        Assert.Contains("systemd", Names("dom0"));
        Assert.Contains("systemd", Names("guest-debian"));
        Assert.Contains("busybox-static", Names("guest-tiny"));
        Assert.Contains("linux-image-amd64", Names("boot"));
        Assert.True(Names("dom0").Length > 100, $"only {Names("dom0").Length} packages listed for dom0");
        Assert.All(components.GetProperty("dom0").EnumerateArray(), p => Assert.False(string.IsNullOrEmpty(p.GetProperty("version").GetString())));
    }

    [Fact]
    public void The_demo_image_carries_the_layout_real_firmware_took()
    {
        FieldLayout.AssertCarried(demo.Image);
    }

    [Fact]
    public void The_hvm_guest_disk_is_a_gpt_disk_with_a_clean_esp_and_root_that_firmware_boots()
    {
        string disk = Path.Combine(GuestsLayer(), "usr/lib/imagebuilder/guests/hvm/disk.img");
        var layout = GuestDisk.Read(disk);

        Assert.Contains("No problems found", Tool.RunUnchecked("sgdisk", "-v", disk).StandardOutput, StringComparison.Ordinal);
        Assert.Equal(["21686148-6449-6E6F-744E-656564454649", "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "0FC63DAF-8483-4772-8E79-3D69D8477DE4"], layout.Select(p => p.Type));
        string esp = GuestDisk.Extract(disk, layout[1], demo.Directory.Combine("hvm-esp.img"));
        string root = GuestDisk.Extract(disk, layout[2], demo.Directory.Combine("hvm-root.img"));
        var fat = Tool.RunUnchecked("fsck.fat", "-n", esp);
        var ext4 = Tool.RunUnchecked("e2fsck", "-f", "-n", root);

        Assert.True(fat.ExitCode == 0, fat.StandardOutput + fat.StandardError);
        Assert.True(ext4.ExitCode == 0, ext4.StandardOutput + ext4.StandardError);
        Assert.Contains("BOOTX64  EFI", Tool.Run("mdir", "-i", esp, "::/EFI/BOOT"), StringComparison.Ordinal);
        Assert.Contains("root=UUID=", Tool.Run("mtype", "-i", esp, "::/boot/grub/grub.cfg"), StringComparison.Ordinal);
        Assert.Contains("Debian GNU/Linux 12", Tool.Run("debugfs", "-R", "cat /usr/lib/os-release", root), StringComparison.Ordinal);

        // Without Xen, under UEFI (the recipe's SeaBIOS path is what the live boots above start under Xen): the
        // firmware boots the disk like any PC's, and the guest says so on its console.
        var outcome = GuestDisk.Boot(disk, "uefi", demo.Directory.Combine("hvm-disk-uefi.log"));
        Assert.True(outcome.Succeeded, $"{outcome.Reason}\n{outcome.LogTail}");
    }

    private string GuestsLayer()
    {
        string into = demo.Directory.Combine("guests");
        if (!System.IO.Directory.Exists(into))
        {
            Tool.Run("unsquashfs", "-no-xattrs", "-d", into, Extract("/live/guests.squashfs"));
        }

        return into;
    }

    private string Extract(string path)
    {
        string target = demo.Directory.Combine(Path.GetFileName(path));
        if (!File.Exists(target))
        {
            Tool.Run("xorriso", "-osirrox", "on", "-indev", demo.Image, "-extract", path, target);
        }

        return target;
    }
}

/// <summary>A guest disk as independent tools see it, and booted by plain QEMU without Xen.</summary>
internal static class GuestDisk
{
    public sealed record Partition(string Type, long Start, long Sectors);

    public static IReadOnlyList<Partition> Read(string disk)
    {
        using var table = JsonDocument.Parse(Tool.Run("sfdisk", "--json", disk));
        return [.. table.RootElement.GetProperty("partitiontable").GetProperty("partitions").EnumerateArray()
            .Select(p => new Partition(p.GetProperty("type").GetString()!, p.GetProperty("start").GetInt64(), p.GetProperty("size").GetInt64()))];
    }

    public static string Extract(string disk, Partition partition, string target)
    {
        Tool.Run("dd", $"if={disk}", $"of={target}", "bs=512", $"skip={partition.Start}", $"count={partition.Sectors}", "conv=sparse", "status=none");
        return target;
    }

    /// <summary>
    /// Boots the disk under SeaBIOS or OVMF with both serial ports on the console (the guest's /dev/console is the second)
    /// until the guest reports it booted.
    /// </summary>
    public static BootOutcome Boot(string disk, string firmware, string log)
    {
        var args = new List<string> { "-accel", "tcg", "-cpu", "qemu64", "-m", "768", "-display", "none", "-nodefaults", "-no-reboot", "-net", "none",
            "-chardev", "stdio,id=console,mux=on", "-serial", "chardev:console", "-serial", "chardev:console",
            "-drive", $"file={disk},format=raw,snapshot=on,if=ide" };
        if (firmware == "uefi")
        {
            args.AddRange(["-bios", "/usr/share/ovmf/OVMF.fd"]);
        }

        return BootRunner.WatchAsync(ProcessSpec.Of(QemuCommand.Program, args), ["IMAGEBUILDER-GUEST-BOOTED"], TimeSpan.FromSeconds(300), log).GetAwaiter().GetResult();
    }
}

/// <summary>
/// The demo image's promise, booted as a presenter boots it: BIOS from CD, the Dom0, a PV, a PVH and an HVM guest, and
/// the unattended demo on each kind. Its own class, ordered after every other boot (<see cref="QemuClassOrder"/>): it
/// waits for the build lane to end, and the boot lane does the other boots first rather than wait beside it.
/// </summary>
[Trait("Category", "Slow")]
[Collection("qemu")]
public sealed class LiveDemoBootTests(LiveDemoFixture demo) : IClassFixture<LiveDemoFixture>
{
    internal static readonly string[] Expected =
    [
        "IMAGEBUILDER-DOM0-READY xen=4.17.",
        "xen-virt_caps: pv hvm hap",
        "dom0-listening-tcp: 0.0.0.0:22 [::]:22",
        "dom0-address: none (no wired network interface joined xenbr0)",

        // The preflight report as SeaBIOS and QEMU's AMD-V with nested paging present the machine.
        "preflight: firmware: BIOS (legacy boot; Secure Boot does not apply)",
        "preflight: hardware virtualization: AMD-V with nested paging (HAP): PVH and HVM guests can run",
        "preflight: network: no wired NIC (guests and live migration stay on this host)",
        "preflight: guests that run here: tiny (pv) debian (pv) tiny-pvh (pvh) hvm (hvm)",
        "IMAGEBUILDER-PREFLIGHT ok",

        // Xen 4.17's default scheduler, and the Dom0's weight over a guest's (credit2's default 256) as xl reads it back.
        "dom0: scheduler credit2, Domain-0 weight 512 (a guest's default: 256)",
        "demo: no wired network interface: live migration stays on this host",
        "root@xen-demo:~#",
        "IMAGEBUILDER-DOMU-READY name=tiny guest_type=PV",
        "IMAGEBUILDER-DOMU-READY name=debian guest_type=PV",
        "IMAGEBUILDER-DOMU-READY name=tiny-pvh guest_type=PVH",
        "IMAGEBUILDER-DOMU-READY name=hvm guest_type=HVM",
        "demo: save of hvm took",
        "demo: live migration of hvm took",
        "IMAGEBUILDER-DEMO-DONE",

        // The recipe asks for the boot analysis (imagebuilder.boot-analysis), printed after the demo: its last part.
        "boot-analysis: done",
    ];

    /// <summary>The demo's guest of each kind: the first autostart guest of that type in the recipe.</summary>
    private static readonly (string Name, string Kind)[] DemoGuests = [("tiny", "PV"), ("tiny-pvh", "PVH"), ("hvm", "HVM")];

    /// <remarks>
    /// BIOS from CD here; UEFI from a USB stick is the two-machine boot (TwoHostMigrationTests), which runs the same
    /// live Dom0 and demo with the diskless guests.
    /// </remarks>
    [Theory]
    [InlineData("bios", "cd")]
    public void The_live_dom0_boots_runs_pv_pvh_and_hvm_guests_and_the_demo_without_a_keystroke(string firmware, string media)
    {
        string log = demo.Directory.Combine($"live-{firmware}-{media}.log");

        // QEMU's emulated AMD-V triple-faults the PVH and HVM guests now and then; a build beside them adds to it (README).
        var waited = QuietMachine.AwaitBuildLane(TimeSpan.FromMinutes(60));
        TestContext.Current.TestOutputHelper?.WriteLine($"waited {waited.TotalSeconds:0} s for the builds beside the boots to end");

        var boot = ImageBuilderCli.Run(["boot", demo.Image, "--firmware", firmware, "--media", media, "--timeout", "1800", "--fail-on", "IMAGEBUILDER-DEMO-FAILED", "--log", log, "--timeline", .. Expected.SelectMany(m => new[] { "--expect", m })]);

        string serial = File.Exists(log) ? File.ReadAllText(log) : string.Empty;
        string demoLines = string.Join('\n', serial.Split('\n').Where(line => line.Contains("demo: ", StringComparison.Ordinal)));
        Assert.True(boot.ExitCode == 0, $"{boot.StandardOutput}{boot.StandardError}\nthe demo said:\n{demoLines}");
        DemoBuild.AssertTimeline(boot.StandardOutput, "GRUB menu", "Xen started", "kernel started", "live medium found", "root mounted", "systemd started", "Dom0 ready", "guest tiny created", "guest tiny ready", "demo done");
        foreach (string guest in (string[])["debian", "tiny-pvh", "hvm"])
        {
            DemoBuild.AssertTimeline(boot.StandardOutput, $"guest {guest} created", $"guest {guest} ready", "demo done");
        }

        foreach (var (name, kind) in DemoGuests)
        {
            string guest = Regex.Escape(name);
            foreach (string line in (string[])[
                $@"demo: save of {guest} took [0-9.]+ s \([0-9]+ MiB\), restore took [0-9.]+ s; the guest was away [1-9][0-9]* ms by its clock",
                $@"demo: live migration of {guest} took [0-9.]+ s; downtime seen by the guest: [1-9][0-9]* ms \({kind} guest"])
            {
                Assert.True(Regex.IsMatch(serial, line), $"no line matches {line}; the demo said:\n{demoLines}");
            }
        }

        // systemd's own account of the boot: its totals, and the chain of units the Dom0's ready report waited for.
        Assert.Matches(@"boot-analysis: Startup finished in .*\(kernel\) \+ .*\(userspace\)", serial);
        Assert.Matches(@"boot-analysis: imagebuilder-dom0-ready\.service \+[0-9.]+m?s\r*\n.*boot-analysis: └─\S+ @[0-9]", serial);

        // What each kind sees of its machine: PV and PVH no firmware and no PCI bus; HVM an emulated PC (i440FX host
        // bridge 8086:1237) with Xen's platform device (5853:0001), and the SMBIOS tables of Xen's firmware loader.
        Assert.Contains("tiny: no firmware: Xen started this kernel directly", serial, StringComparison.Ordinal);
        Assert.Contains("tiny-pvh: no PCI devices: every device is a Xen PV device", serial, StringComparison.Ordinal);
        Assert.Matches(@"hvm: pci \S+ vendor 0x8086 device 0x1237", serial);
        Assert.Matches(@"hvm: pci \S+ vendor 0x5853 device 0x0001", serial);
        Assert.Matches(@"hvm: firmware Xen 4\.17\.\S+, machine Xen HVM domU", serial); // hvmloader's SMBIOS tables
    }
}
