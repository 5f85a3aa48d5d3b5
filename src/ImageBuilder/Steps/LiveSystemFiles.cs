using ImageBuilder.Formats.Trees;

namespace ImageBuilder.Steps;

/// <summary>
/// Files an installed Debian root needs to boot as a live system or guest, and the access policy: root stays locked
/// (Debian's '*' in /etc/shadow), the presenter gets autologin on the local and serial consoles, and SSH runs only
/// with authorized keys, never with passwords, and with host keys made on the machine at first boot.
/// </summary>
public static class LiveSystemFiles
{
    private const string Units = "etc/systemd/system";
    private static readonly UnixFileMode Private = (UnixFileMode)0x180; // 0600
    private static readonly UnixFileMode PrivateDirectory = (UnixFileMode)0x1C0; // 0700

    public static FileTree.Builder Add(FileTree.Builder builder, string hostname, bool autologin, IReadOnlyCollection<string> authorizedKeys)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(authorizedKeys);
        foreach (string mountPoint in (string[])["dev", "proc", "sys", "run"])
        {
            builder.AddDirectory(mountPoint);
        }

        builder.AddFile("etc/hostname", FileContent.FromText(hostname + "\n"))
            .AddFile("etc/hosts", FileContent.FromText($"127.0.0.1\tlocalhost\n127.0.1.1\t{hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n"));

        if (autologin)
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

        if (authorizedKeys.Count == 0)
        {
            foreach (string unit in (string[])["ssh.service", "ssh.socket", "sshd.service"])
            {
                builder.AddSymlink($"{Units}/{unit}", "/dev/null");
            }

            return builder;
        }

        builder.AddDirectory("root/.ssh", PrivateDirectory)
            .AddFile("root/.ssh/authorized_keys", FileContent.FromText(string.Concat(authorizedKeys.Select(k => k + "\n"))), Private)
            .AddFile("etc/ssh/sshd_config.d/imagebuilder.conf", FileContent.FromText(
                "# ImageBuilder: keys only.\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"))
            .AddFile($"{Units}/imagebuilder-ssh-host-keys.service", FileContent.FromText(
                "[Unit]\nDescription=Make this machine's SSH host keys\nBefore=ssh.service\n\n[Service]\nType=oneshot\nExecStart=/usr/bin/ssh-keygen -A\n\n[Install]\nRequiredBy=ssh.service\n"))
            .AddSymlink($"{Units}/ssh.service.requires/imagebuilder-ssh-host-keys.service", "../imagebuilder-ssh-host-keys.service");
        return builder;
    }
}
