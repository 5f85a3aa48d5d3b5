using ImageBuilder.Recipes;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Recipes;

/// <summary>
/// A recipe value that reaches a rendered file (grub.cfg, xen.efi's configuration, an xl file, apt's sources lines, a
/// shell-read list) cannot change that file's structure: what it cannot hold is refused at its location.
/// </summary>
public sealed class RecipeValueTests
{
    /// <summary>The demo recipe with one value replaced by one that would add a command or setting to a rendered file.</summary>
    public static readonly TheoryData<string, string, string> Injections = new()
    {
        { "      kernel_options: console=hvc0 toram", "      kernel_options: \"console=hvc0\\n    linux /evil\"", "boot.entries[].kernel_options: holds a control character (U+000A, a line break)" },
        { "  command_line: console=hvc0 imagebuilder.boot-analysis\n", "  command_line: \"console=hvc0\\nmultiboot2 /evil\"\n", "dom0.command_line: holds a control character (U+000A, a line break)" },
        { "    guest_loglvl: all\n", "    guest_loglvl: all\n    extra: \"a=1\\r\\nmenuentry x {\"\n", "hypervisor.command_line.extra: holds a control character (U+000D" },
        { "    network: none\n  # Debian 12", "    network: none\n    command_line: \"console=hvc0\\nkernel = '/evil'\"\n  # Debian 12", "guests[].command_line: holds a control character (U+000A, a line break)" },
        { "    - title: Xen + Dom0 (live)\n", "    - title: \"Xen\\n}\\nmenuentry evil {\"\n", "boot.entries[].title: holds a control character (U+000A, a line break)" },
        { "    com1: 115200,8n1", "    com1: \"115200,8n1\\nx\"", "hypervisor.command_line.com1: holds a control character (U+000A, a line break)" },
        { "    com1: 115200,8n1", "    com1: \"115200,8n1 noreboot\"", "hypervisor.command_line.com1: a Xen option value is one word (no spaces)" },
        { "  components: [main]", "  components: [\"main\\ndeb http://evil/ bookworm main\"]", "archive.components: 'main" },
        { "  mirror: http://deb.debian.org/debian\n", "  mirror: \"http://deb.debian.org/debian bookworm main\\ndeb http://evil/\"\n", "archive.mirror: holds a control character" },
        { "  mirror: http://deb.debian.org/debian\n", "  mirror: \"http://deb.debian.org/debian extra\"\n", "archive.mirror: must not hold spaces" },
        { "\nname: xen-demo\n", "\nname: \"xen-demo\\n\"\n", "name: 'xen-demo" },
        { "    hostname: xen-demo\n", "    hostname: \"xen-demo\\n\"\n", "dom0.rootfs.hostname: 'xen-demo" },
        { "    presenter: true\n", "    presenter: true\n    ssh_authorized_keys: [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB comment\\rcommand=/bin/sh\"]\n", "dom0.rootfs.ssh_authorized_keys: not a public key line" },
        { "      kernel_options: console=hvc0 toram", "      kernel_options: console=hvc0 say=\"a b\"", "boot.entries[].kernel_options: '\"' cannot reach the kernel unchanged" },
        { "      kernel_options: console=hvc0 toram", "      kernel_options: console=hvc0 x=a\\b", "boot.entries[].kernel_options: '\\' cannot reach the kernel unchanged" },
        { "      kernel_options: console=hvc0 toram", "      kernel_options: \"console=hvc0 # toram\"", "boot.entries[].kernel_options: '#' cannot reach the kernel unchanged" },
        { "      kernel_options: console=hvc0 toram", "      kernel_options: console=hvc0 café", "boot.entries[].kernel_options: 'é' is not printable ASCII" },
    };

    [Theory]
    [MemberData(nameof(Injections))]
    public void A_value_that_would_break_out_of_its_file_is_refused_where_it_is_written(string from, string to, string expected)
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-demo.yaml"), "injected.yaml", (from, to));
        int line = File.ReadAllText(recipe)[..File.ReadAllText(recipe).IndexOf(to.TrimStart('\n').Split('\n')[0], StringComparison.Ordinal)].Count(c => c == '\n') + 1;

        var result = RecipeLoader.Load(recipe);

        Assert.False(result.Succeeded);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Contains(expected, diagnostic.Message, StringComparison.Ordinal);
        Assert.InRange(diagnostic.Line, line, line + to.Count(c => c == '\n'));
    }

    [Fact]
    public void Values_a_file_can_hold_once_escaped_are_accepted()
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-demo.yaml"), "escaped.yaml",
            ("    - title: Xen + Dom0 (live)\n", "    - title: \"It's \\\"$live\\\" ; {menu} \\\\ # ✓\"\n"),
            ("      kernel_options: console=hvc0 toram", "      kernel_options: console=hvc0 toram a$b;c {d} e|f&g<h>i *?"),
            ("    network: none\n  # Debian 12", "    network: none\n    command_line: console=hvc0 say=\"a b\" x\\y\n  # Debian 12"));

        var result = RecipeLoader.Load(recipe);

        Assert.True(result.Succeeded, string.Join('\n', result.Diagnostics));
        Assert.Equal("It's \"$live\" ; {menu} \\ # ✓", result.Recipe!.Boot.Entries[0].Title);
    }

    [Fact]
    public void A_xen_option_longer_than_xen_reads_is_refused()
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-demo.yaml"), "long.yaml",
            ("    guest_loglvl: all\n", $"    guest_loglvl: all\n    extra: x={new string('a', 200)}\n"));

        var diagnostic = Assert.Single(RecipeLoader.Load(recipe).Diagnostics);

        Assert.Contains("is 202 characters; Xen cuts each option at 127", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dom0", "'dom0' names the Dom0 in Xen's tools")]
    [InlineData("xen-demo", "'xen-demo' is the Dom0's host name (dom0.rootfs.hostname)")]
    [InlineData("tiny--incoming", "must be lower-case letters, digits and single '-' between them")]
    [InlineData("tiny-", "must be lower-case letters, digits and single '-' between them")]
    public void A_guest_name_that_would_collide_with_what_it_names_is_refused(string name, string expected)
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-demo.yaml"), "names.yaml", ("  - name: debian\n", $"  - name: {name}\n"));

        var diagnostic = Assert.Single(RecipeLoader.Load(recipe).Diagnostics);

        Assert.Contains(expected, diagnostic.Message, StringComparison.Ordinal);
        Assert.StartsWith("guests[].name:", diagnostic.Message, StringComparison.Ordinal);
    }
}
