using ImageBuilder.Boot;
using ImageBuilder.Common;
using ImageBuilder.Planning;
using ImageBuilder.Steps;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Boot;

/// <summary>
/// Values written into rendered files stay one value, as the file's own reader sees it: GRUB's script checker for
/// grub.cfg, Xen's libxlutil (the library xl itself parses guest configurations with) for xl files. The boot tests
/// show what GRUB, Xen and Linux finally make of them.
/// </summary>
public sealed class RenderedConfigTests
{
    /// <summary>Titles people may write: quotes, backslashes, GRUB's metacharacters, non-ASCII text.</summary>
    public static readonly TheoryData<string> Titles = new()
    {
        "Xen + Dom0",
        "it's \"quoted\" \\ here",
        "$prefix ${root} `x` ;{ } | & < > ( ) # * ? ! ~",
        "'''",
        "Xen — mit Gäste ✓",
    };

    [Theory]
    [MemberData(nameof(Titles))]
    public void A_menu_title_is_one_grub_word_whatever_it_holds(string title)
    {
        using var dir = new TempDirectory();
        var model = new GrubModel("t", 3, 0, false, new GrubSerial(0, 115200), [new GrubEntry(title, true, ["loglvl=all", "x$y;z{a}"], ["console=hvc0", "a|b&c<d>e(f)*?"])]);

        string cfg = dir.Write("grub.cfg", TemplateRenderer.Render(TemplateRenderer.Template(BootConfigStep.GrubTemplate), model, ConfigSyntax.Grub));

        var check = Tool.RunUnchecked("grub-script-check", cfg);
        Assert.True(check.ExitCode == 0, check.StandardOutput + check.StandardError + "\n" + File.ReadAllText(cfg));
        Assert.Equal(4, File.ReadAllLines(cfg).Count(l => l.StartsWith("menuentry ", StringComparison.Ordinal) || l.StartsWith("    multiboot2 ", StringComparison.Ordinal) || l.StartsWith("    module2 /boot/vmlinuz", StringComparison.Ordinal) || l.StartsWith("    module2 /boot/initrd", StringComparison.Ordinal)));
    }

    [Fact]
    public void Grub_words_are_written_plain_when_plain_and_single_quoted_otherwise()
    {
        Assert.Equal("console=hvc0", ConfigSyntax.Grub.Escape("console=hvc0"));
        Assert.Equal("'a$b'", ConfigSyntax.Grub.Escape("a$b"));
        Assert.Equal("'it'\\''s'", ConfigSyntax.Grub.Escape("it's"));
        Assert.Equal("''", ConfigSyntax.Grub.Escape(string.Empty));
    }

    [Theory]
    [InlineData("a\nb")]
    [InlineData("a\rb")]
    [InlineData("a\0b")]
    [InlineData("a\u2028b")]
    [InlineData("a\u0085b")]
    public void No_syntax_writes_a_control_character(string value)
    {
        foreach (var syntax in new[] { ConfigSyntax.Grub, ConfigSyntax.Xl, ConfigSyntax.XenEfi })
        {
            Assert.Throws<ImageBuilderException>(() => syntax.Escape(value));
        }
    }

    [Fact]
    public void A_value_xen_efi_would_cut_at_a_comment_is_refused()
    {
        Assert.Throws<ImageBuilderException>(() => ConfigSyntax.XenEfi.Escape("console=com1#x"));
    }

    [Fact]
    public void Xl_configurations_read_back_by_libxlutil_give_every_value_as_written()
    {
        using var dir = new TempDirectory();
        string reader = LibXlReader.Build(dir);
        string commandLine = "console=hvc0 say=\"a b\" back\\slash it's $HOME #not-a-comment";
        var model = new XlGuestModel("guest-1", "pvh", 256, 2, true, "xenbr0", "00:16:3e:01:02:03")
        {
            Kernel = "/usr/lib/imagebuilder/kernel/vmlinux",
            Ramdisk = "/usr/lib/imagebuilder/kernel/initrd.gz",
            CommandLine = commandLine,
            Disk = "/dev/mapper/imagebuilder-guest-1",
            DiskDevice = "xvda",
        };
        string cfg = dir.Write("guest-1.cfg", TemplateRenderer.Render(TemplateRenderer.Template(GuestsImageStep.Template), model, ConfigSyntax.Xl));

        var values = Tool.RunUnchecked(reader, cfg, "name", "type", "kernel", "ramdisk", "extra", "disk", "vif");

        Assert.True(values.ExitCode == 0, values.StandardOutput + values.StandardError + "\n" + File.ReadAllText(cfg));
        string[] lines = values.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("name=[guest-1]", lines);
        Assert.Contains("type=[pvh]", lines);
        Assert.Contains($"extra=[{commandLine}]", lines);
        Assert.Contains("disk target=[/dev/mapper/imagebuilder-guest-1] vdev=[xvda]", lines);
        Assert.Contains("vif=[mac=00:16:3e:01:02:03, bridge=xenbr0]", lines);
    }
}

/// <summary>A small C program that reads an xl configuration with Xen's libxlutil and prints the values it finds.</summary>
internal static class LibXlReader
{
    private const string Source = """
        #include <stdio.h>
        #include <string.h>
        #include <libxl.h>
        #include <libxlutil.h>

        /* Prints KEY=[value] per string, per list item; a disk item also as libxlutil's disk parser reads it. */
        int main(int argc, char **argv) {
            XLU_Config *config = xlu_cfg_init(stderr, argv[1]);
            if (!config || xlu_cfg_readfile(config, argv[1])) return 2;
            for (int i = 2; i < argc; i++) {
                const char *value;
                XLU_ConfigList *list;
                int count;
                if (!xlu_cfg_get_string(config, argv[i], &value, 0)) {
                    printf("%s=[%s]\n", argv[i], value);
                } else if (!xlu_cfg_get_list(config, argv[i], &list, &count, 0)) {
                    for (int j = 0; j < count; j++) {
                        const char *item = xlu_cfg_get_listitem(list, j);
                        if (!strcmp(argv[i], "disk")) {
                            libxl_device_disk disk;
                            libxl_device_disk_init(&disk);
                            if (xlu_disk_parse(config, 1, &item, &disk)) return 3;
                            printf("disk target=[%s] vdev=[%s]\n", disk.pdev_path, disk.vdev);
                        } else {
                            printf("%s=[%s]\n", argv[i], item);
                        }
                    }
                } else {
                    printf("%s: missing\n", argv[i]);
                }
            }
            return 0;
        }
        """;

    public static string Build(TempDirectory dir)
    {
        string source = dir.Write("xlread.c", Source);
        string program = dir.Combine("xlread");
        Tool.Run("gcc", "-o", program, source, "-lxlutil", "-lxenlight");
        return program;
    }
}
