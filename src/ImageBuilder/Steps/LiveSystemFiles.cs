using System.Collections.Immutable;
using System.Security;
using ImageBuilder.Formats.Trees;
using ImageBuilder.Planning;

namespace ImageBuilder.Steps;

/// <summary>
/// Who may use a live system or guest: its host name, the presenter's autologin, administrators' SSH keys, and, with
/// <paramref name="Peers"/>, live migration between hosts booted from the same image.
/// </summary>
public sealed record LiveAccess(string Hostname, bool Presenter, ImmutableArray<string> AuthorizedKeys, PeerGroup? Peers = null);

/// <summary>Hosts booted from images of one recipe (its name, epoch and migration secret): they trust each other with live migration.</summary>
public sealed record PeerGroup(string Name, long Epoch, HostInput Secret);

/// <summary>
/// Files an installed Debian root needs to boot as a live system or guest, and the access policy: root stays locked
/// (Debian's '*' in /etc/shadow), the presenter gets autologin on the local and serial consoles, and SSH runs only
/// with keys, never with passwords: an administrator's (host keys made on the machine at first boot), and the image's
/// migration key, which may only receive a live migration (<see cref="MigrationTrust"/>).
/// </summary>
public static class LiveSystemFiles
{
    /// <summary>Where the migration key, the peers' pinned host key and the peer group live in the Dom0.</summary>
    public const string MigrationFolder = "etc/imagebuilder/migration";

    /// <summary>The forced command of the migration key (overlays/dom0).</summary>
    public const string MigrationReceiver = "/usr/lib/imagebuilder/migrate-receive";

    /// <summary>The DNS-SD service type peers announce and browse for.</summary>
    public const string PeerService = "_xen-migration._tcp";

    private const string Units = "etc/systemd/system";
    private static readonly UnixFileMode Private = (UnixFileMode)0x180; // 0600
    private static readonly UnixFileMode PrivateDirectory = (UnixFileMode)0x1C0; // 0700

    public static FileTree.Builder Add(FileTree.Builder builder, LiveAccess access)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(access);
        foreach (string mountPoint in (string[])["dev", "proc", "sys", "run"])
        {
            builder.AddDirectory(mountPoint);
        }

        string hostname = access.Hostname;
        builder.AddFile("etc/hostname", FileContent.FromText(hostname + "\n"))
            .AddFile("etc/hosts", FileContent.FromText($"127.0.0.1\tlocalhost\n127.0.1.1\t{hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n"));

        if (access.Presenter)
        {
            builder.AddFile($"{Units}/getty@tty1.service.d/autologin.conf", FileContent.FromText(
                "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --noclear %I $TERM\n"));
            builder.AddFile($"{Units}/serial-getty@.service.d/autologin.conf", FileContent.FromText(
                "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %I $TERM\n"));
        }

        var tree = builder.ToTree();
        foreach (var key in tree.All.Where(e => e.Path.StartsWith("etc/ssh/ssh_host_", StringComparison.Ordinal)).ToList())
        {
            builder.Remove(key.Path);
        }

        if (tree.Find("usr/sbin/sshd") is null)
        {
            return builder;
        }

        var trust = access.Peers is { } peers ? MigrationTrust.Derive(File.ReadAllBytes(peers.Secret.Path), peers.Name, peers.Epoch) : null;
        if (access.AuthorizedKeys.IsEmpty && trust is null)
        {
            foreach (string unit in (string[])["ssh.service", "ssh.socket", "sshd.service"])
            {
                builder.AddSymlink($"{Units}/{unit}", "/dev/null");
            }

            return builder;
        }

        var authorized = access.AuthorizedKeys.Select(k => k + "\n").ToList();
        var sshd = new List<string> { "# ImageBuilder: keys only.", "PasswordAuthentication no", "KbdInteractiveAuthentication no" };
        if (trust is not null)
        {
            AddMigrationTrust(builder, trust, access.Peers!.Name);
            authorized.Add($"restrict,command=\"{MigrationReceiver}\" {ClientKeyLine(trust, access.Peers!.Name)}\n");
            // A sender gone mid-stream (powered off, cable pulled) ends its receiver within 30 s, not TCP's hours.
            sshd.AddRange(["HostKey /etc/ssh/ssh_host_ecdsa_key", "ClientAliveInterval 5", "ClientAliveCountMax 6"]);
        }

        if (access.AuthorizedKeys.IsEmpty)
        {
            // The migration key's forced command is all root may run.
            sshd.Add("PermitRootLogin forced-commands-only");
        }
        else
        {
            sshd.Add("PermitRootLogin prohibit-password");
            if (trust is not null)
            {
                // Named host keys replace sshd's defaults: the machine's own keys for administrators, beside the image's.
                sshd.AddRange(["HostKey /etc/ssh/ssh_host_ed25519_key", "HostKey /etc/ssh/ssh_host_rsa_key"]);
            }

            builder.AddFile($"{Units}/imagebuilder-ssh-host-keys.service", FileContent.FromText(
                    "[Unit]\nDescription=Make this machine's SSH host keys\nBefore=ssh.service\n\n[Service]\nType=oneshot\nExecStart=/usr/bin/ssh-keygen -A\n\n[Install]\nRequiredBy=ssh.service\n"))
                .AddSymlink($"{Units}/ssh.service.requires/imagebuilder-ssh-host-keys.service", "../imagebuilder-ssh-host-keys.service");
        }

        builder.AddDirectory("root/.ssh", PrivateDirectory)
            .AddFile("root/.ssh/authorized_keys", FileContent.FromText(string.Concat(authorized)), Private)
            .AddFile("etc/ssh/sshd_config.d/imagebuilder.conf", FileContent.FromText(string.Join('\n', sshd) + "\n"));
        return builder;
    }

    /// <summary>The migration key's public line, named after the peer group (authorized_keys, id_ecdsa.pub).</summary>
    private static string ClientKeyLine(MigrationTrust trust, string group) => $"{MigrationTrust.PublicLine(trust.Client)} imagebuilder-migration@{group}";

    /// <summary>
    /// The image's migration client key, the host key every host of the image presents, the sender's known_hosts
    /// pinning it, the peer group's identity for the demo, and the DNS-SD announcement avahi makes of it.
    /// </summary>
    private static void AddMigrationTrust(FileTree.Builder builder, MigrationTrust trust, string group)
    {
        string fingerprint = MigrationTrust.Fingerprint(trust.Client);
        builder.AddDirectory(MigrationFolder, PrivateDirectory)
            .AddFile($"{MigrationFolder}/id_ecdsa", FileContent.FromText(MigrationTrust.PrivatePem(trust.Client)), Private)
            .AddFile($"{MigrationFolder}/id_ecdsa.pub", FileContent.FromText(ClientKeyLine(trust, group) + "\n"))
            .AddFile($"{MigrationFolder}/known_hosts", FileContent.FromText($"imagebuilder-peer-{group} {MigrationTrust.PublicLine(trust.Host)}\n"))
            .AddFile($"{MigrationFolder}/peer-group", FileContent.FromText($"group={group}\nkey={fingerprint}\nservice={PeerService}\n"))
            .AddFile("etc/ssh/ssh_host_ecdsa_key", FileContent.FromText(MigrationTrust.PrivatePem(trust.Host)), Private)
            .AddFile("etc/ssh/ssh_host_ecdsa_key.pub", FileContent.FromText($"{MigrationTrust.PublicLine(trust.Host)} imagebuilder-peer-{group}\n"));

        // avahi names the service after the host (%h), which is unique per machine (its MAC, overlays/dom0).
        string txt(string value) => $"    <txt-record>{SecurityElement.Escape(value)}</txt-record>\n";
        builder.AddFile("etc/avahi/services/imagebuilder-migration.service", FileContent.FromText(
            "<?xml version=\"1.0\" standalone='no'?>\n<!DOCTYPE service-group SYSTEM \"avahi-service.dtd\">\n<service-group>\n" +
            "  <name replace-wildcards=\"yes\">%h</name>\n  <service>\n" +
            $"    <type>{PeerService}</type>\n    <port>22</port>\n" + txt($"group={group}") + txt($"key={fingerprint}") +
            "  </service>\n</service-group>\n"));
    }
}
