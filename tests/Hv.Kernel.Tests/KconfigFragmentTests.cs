using Hv.Kernel.Build;
using Hv.Kernel.Inspection;
using Hv.Kernel.Sources;

namespace Hv.Kernel.Tests;

public sealed class KconfigFragmentTests
{
    [Fact]
    public void Set_and_unset_options_are_parsed_and_rendered_back()
    {
        var (fragment, errors) = KconfigFragment.Parse("CONFIG_HYPFS=y\n# a comment\n# CONFIG_DEBUG is not set\nCONFIG_NR_CPUS=64\n");

        Assert.Empty(errors);
        Assert.Equal("# CONFIG_DEBUG is not set\nCONFIG_HYPFS=y\nCONFIG_NR_CPUS=64\n", fragment.Render());
    }

    [Fact]
    public void Lines_that_are_not_options_are_errors_with_line_numbers()
    {
        var (_, errors) = KconfigFragment.Parse("CONFIG_HYPFS=y\nHYPFS=y\n");

        Assert.Equal(["line 2: 'HYPFS=y' is neither CONFIG_NAME=VALUE nor '# CONFIG_NAME is not set'"], errors);
    }

    [Fact]
    public void Options_that_did_not_stick_are_named_with_wanted_and_actual_values()
    {
        var (fragment, _) = KconfigFragment.Parse("CONFIG_HYPFS=y\nCONFIG_SCRUB_DEBUG=y\nCONFIG_NR_CPUS=64\n# CONFIG_DEBUG is not set\nCONFIG_CMDLINE=\"x\"\n");
        var final = KernelConfig.Parse("CONFIG_HYPFS=y\nCONFIG_NR_CPUS=256\nCONFIG_DEBUG=y\nCONFIG_CMDLINE=\"x\"\n", ".config");

        Assert.Equal(
            ["CONFIG_DEBUG: wanted not set, got y", "CONFIG_NR_CPUS: wanted 64, got 256", "CONFIG_SCRUB_DEBUG: wanted y, got not set"],
            fragment.NotApplied(final));
    }

    [Fact]
    public void A_source_tree_with_a_symlink_leading_outside_is_refused()
    {
        string root = Directory.CreateTempSubdirectory("ib-safe").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "xen"));
            File.CreateSymbolicLink(Path.Combine(root, "xen", "inside"), "../xen");
            SafeTree.Check(root, "ok.tar");
            File.CreateSymbolicLink(Path.Combine(root, "xen", "escape"), "../../../etc/passwd");

            var e = Assert.Throws<ImageBuilder.Common.ImageBuilderException>(() => SafeTree.Check(root, "evil.tar"));

            Assert.Equal("evil.tar: entry xen/escape is a symlink to '../../../etc/passwd', outside the source tree", e.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
