using ImageBuilder.Common.Processes;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Overlays;

/// <summary>
/// Which hosts xen-demo takes for peers (overlays/dom0/usr/lib/imagebuilder/peers.sh), from what avahi-browse prints
/// in its parsable form (avahi-utils' avahi-browse.c: "=;IF;PROTOCOL;NAME;TYPE;DOMAIN;HOST;ADDRESS;PORT;TXT", TXT as
/// avahi_string_list_to_string writes it: quoted strings separated by spaces), given by a stand-in avahi-browse.
/// </summary>
public sealed class PeersScriptTests
{
    private const string Key = "SHA256:3q2+7w7LJzyuGn/Zb8Ep0Pn1T4GQaEbGQWt1TlTCZzs";

    [Fact]
    public void Only_hosts_announcing_this_recipe_and_this_key_over_ipv4_other_than_this_one_are_peers_the_others_strangers()
    {
        using var dir = new TempDirectory();
        string[] announced =
        [
            $"+;xenbr0;IPv4;xen-demo-525400494202;_xen-migration._tcp;local",
            $"=;xenbr0;IPv4;xen-demo-525400494201;_xen-migration._tcp;local;xen-demo-525400494201.local;169.254.1.1;22;\"key={Key}\" \"group=xen-demo\"",
            $"=;xenbr0;IPv4;xen-demo-525400494202;_xen-migration._tcp;local;xen-demo-525400494202.local;169.254.1.2;22;\"key={Key}\" \"group=xen-demo\"",
            $"=;xenbr0;IPv6;xen-demo-525400494203;_xen-migration._tcp;local;xen-demo-525400494203.local;fe80::5054:ff:fe49:4203;22;\"key={Key}\" \"group=xen-demo\"",
            $"=;xenbr0;IPv4;xen-demo-525400494203;_xen-migration._tcp;local;xen-demo-525400494203.local;169.254.1.3;22;\"group=xen-demo\" \"key={Key}\"",
            $"=;xenbr0;IPv4;xen-lab-525400494204;_xen-migration._tcp;local;xen-lab-525400494204.local;169.254.1.4;22;\"key={Key}\" \"group=xen-lab\"",
            $"=;xenbr0;IPv4;xen-demo-525400494205;_xen-migration._tcp;local;xen-demo-525400494205.local;169.254.1.5;22;\"key=SHA256:AAAA\" \"group=xen-demo\"",
            $"=;xenbr0;IPv4;xen-demo-525400494206;_xen-migration._tcp;local;xen-demo-525400494206.local;169.254.1.6;22;\"key={Key}x\" \"group=xen-demo-2\"",
        ];
        string bin = dir.Combine("bin");
        Directory.CreateDirectory(bin);
        File.WriteAllLines(dir.Combine("announced"), announced);
        WriteScript(Path.Combine(bin, "avahi-browse"), $"[ \"$*\" = '--resolve --parsable --terminate --no-db-lookup --ignore-local _xen-migration._tcp' ] || exit 9\ncat '{dir.Combine("announced")}'");
        WriteScript(Path.Combine(bin, "hostname"), "echo xen-demo-525400494201");
        WriteScript(Path.Combine(bin, "busctl"), "exit 1"); // no avahi on the bus: the host name is the name
        var Run = PeersRunner(dir, bin);

        Assert.Equal("xen-demo-525400494202 169.254.1.2\nxen-demo-525400494203 169.254.1.3\n", Run("peers"));
        Assert.Equal(
            "peer xen-demo-525400494202 169.254.1.2\npeer xen-demo-525400494203 169.254.1.3\nstranger xen-demo-525400494205 169.254.1.5\nstranger xen-demo-525400494206 169.254.1.6\nstranger xen-lab-525400494204 169.254.1.4\n",
            Run("neighbours"));
    }

    /// <summary>
    /// avahi renamed this host after a conflict with its own earlier announcement (seen when DHCP answered after it had
    /// announced a link-local address: xen-demo-525400494201 became xen-demo-1414484090, the last number overflowed and
    /// plus one) and answers for it on the LAN and on loopback: it is still not its own peer.
    /// </summary>
    [Fact]
    public void A_host_avahi_renamed_is_not_its_own_peer()
    {
        using var dir = new TempDirectory();
        string bin = dir.Combine("bin");
        Directory.CreateDirectory(bin);
        File.WriteAllLines(dir.Combine("announced"),
        [
            $"=;xenbr0;IPv4;xen-demo-1414484090;_xen-migration._tcp;local;xen-demo-1414484090.local;10.231.9.84;22;\"key={Key}\" \"group=xen-demo\"",
            $"=;lo;IPv4;xen-demo-1414484090;_xen-migration._tcp;local;xen-demo-1414484090.local;127.0.0.1;22;\"key={Key}\" \"group=xen-demo\"",
            $"=;xenbr0;IPv4;xen-demo-525400494202;_xen-migration._tcp;local;xen-demo-525400494202.local;10.231.9.85;22;\"key={Key}\" \"group=xen-demo\"",
        ]);
        WriteScript(Path.Combine(bin, "avahi-browse"), $"cat '{dir.Combine("announced")}'");
        WriteScript(Path.Combine(bin, "hostname"), "echo xen-demo-525400494201");
        // busctl's output for a string (sd-bus's "s \"...\""), as it prints the Avahi server's GetHostName answer.
        WriteScript(Path.Combine(bin, "busctl"), "[ \"$*\" = 'call org.freedesktop.Avahi / org.freedesktop.Avahi.Server GetHostName' ] || exit 9\necho 's \"xen-demo-1414484090\"'");
        var Run = PeersRunner(dir, bin);

        Assert.Equal("xen-demo-1414484090\n", Run("mdns_name"));
        Assert.Equal("xen-demo-525400494202 10.231.9.85\n", Run("peers"));
    }

    /// <summary>
    /// A row of five hosts of one image, each deciding from what it sees of the others (the same peers): hosts pair in
    /// the order of their MACs (the issue's rule: the lower MAC sends), so each pair agrees who sends, nobody is in two
    /// pairs, and the odd last host has no partner.
    /// </summary>
    [Fact]
    public void Hosts_that_see_the_same_peers_pair_alike_in_the_order_of_their_macs()
    {
        string[] hosts = [.. Enumerable.Range(1, 5).Select(n => $"xen-demo-5254004942{n:x2}").Reverse()];
        string PartnerOf(string me) => ProcessRunner.Run(ProcessSpec.Of(
            "bash", ["-c", $". '{Repository.PathOf("overlays/dom0/usr/lib/imagebuilder/peers.sh")}'; printf '%s\\n' \"${{@:2}}\" | partner_of \"$1\"", "bash", me, .. hosts.Where(h => h != me)])).StandardOutput.Trim();

        var pairing = hosts.ToDictionary(h => h, PartnerOf);

        Assert.Equal("send xen-demo-525400494202", pairing["xen-demo-525400494201"]);
        Assert.Equal("receive xen-demo-525400494201", pairing["xen-demo-525400494202"]);
        Assert.Equal("send xen-demo-525400494204", pairing["xen-demo-525400494203"]);
        Assert.Equal("receive xen-demo-525400494203", pairing["xen-demo-525400494204"]);
        Assert.Equal(string.Empty, pairing["xen-demo-525400494205"]);
    }

    /// <summary>Runs a function of peers.sh with this image's peer group, the stand-ins in <paramref name="bin"/> first on PATH.</summary>
    private static Func<string, string> PeersRunner(TempDirectory dir, string bin)
    {
        string migration = dir.Combine("migration");
        Directory.CreateDirectory(migration);
        File.WriteAllText(Path.Combine(migration, "peer-group"), $"group=xen-demo\nkey={Key}\nservice=_xen-migration._tcp\n");
        return function => ProcessRunner.Run(ProcessSpec.Of("bash", "-c", $"migration='{migration}'; . '{Repository.PathOf("overlays/dom0/usr/lib/imagebuilder/peers.sh")}'; {function}")
            .WithEnvironment("PATH", $"{bin}:/usr/bin:/bin")).StandardOutput;
    }

    private static void WriteScript(string path, string body)
    {
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0x1ED); // 0755
    }
}
