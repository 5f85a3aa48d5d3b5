using ImageBuilder.Recipes;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Recipes;

/// <summary>A Dom0 given too little memory for its guests is a recipe error where dom0_mem is written.</summary>
public sealed class Dom0MemoryTests
{
    /// <summary>
    /// Expectations from docs/misc/xen-command-line.pandoc and dom0_build.c: sizes in KiB without a suffix, 0 is no size,
    /// the amount is raised to min and capped by max, without an amount the Dom0 gets all memory but a reserve; each part
    /// replaces the earlier one of its kind (parse_dom0_mem), so a later size overrides a percentage and a later max
    /// caps what a machine-dependent one would have left open.
    /// </summary>
    [Theory]
    [InlineData("1024M,max:1024M", 1024L)]
    [InlineData("512M,max:1G", 512L)]
    [InlineData("2G,max:1G", 1024L)]
    [InlineData("max:2G", 2048L)]
    [InlineData("1048576", 1024L)]
    [InlineData("1048576k", 1024L)]
    [InlineData("1t", 1048576L)]
    [InlineData("min:512M,max:768M", 768L)]
    [InlineData("256M,min:1G", 1024L)]
    [InlineData("256M,min:1G,max:768M", 768L)]
    [InlineData("0,max:768M", 768L)]
    [InlineData("0", null)]
    [InlineData("1G,max:0", 0L)]
    [InlineData("min:512M", null)]
    [InlineData("50%", null)]
    [InlineData("1G+25%", null)]
    [InlineData("-1G", null)]
    [InlineData("50%,max:1G", 1024L)]
    [InlineData("50%,256M", 256L)]
    [InlineData("1024M,max:50%,max:256M", 256L)]
    [InlineData("1024M,min:-1G", null)]
    public void The_dom0_gets_what_xen_documents(string dom0Mem, long? mib)
    {
        Assert.Equal(mib, Dom0Memory.GrantedMiB(dom0Mem));
    }

    /// <summary>
    /// The hypervisor's dom0_mem, an entry's own, and one in either's extra text, each refused at its line (the last
    /// line of the change), naming what needs the memory. Xen reads every dom0_mem= in order, a later one setting only
    /// what it names (parse_dom0_mem in xen/arch/x86/dom0_build.c): max:256M after 1024M,max:1024M leaves 256 MiB.
    /// </summary>
    [Theory]
    [InlineData("    dom0_mem: 1024M,max:1024M", "    dom0_mem: 512M,max:512M", "hypervisor.command_line.dom0_mem: '512M,max:512M' gives the Dom0 at most 512 MiB; with this recipe's guests it needs ")]
    [InlineData("      xen_options: { console: com1 }", "      xen_options: { console: com1, dom0_mem: 256M }", "boot.entries[].xen_options.dom0_mem: '256M' gives the Dom0 at most 256 MiB;")]
    [InlineData("    guest_loglvl: all", "    guest_loglvl: all\n    extra: 'dom0_mem=256M'", "hypervisor.command_line.extra: '256M' (after dom0_mem=1024M,max:1024M on Xen's command line) gives the Dom0 at most 256 MiB;")]
    [InlineData("      xen_options: { console: com1 }", "      xen_options: { console: com1, extra: 'dom0_mem=max:256M' }", "boot.entries[].xen_options.extra: 'max:256M' (after dom0_mem=1024M,max:1024M on Xen's command line) gives the Dom0 at most 256 MiB;")]
    public void Too_little_for_the_guests_is_refused_where_it_is_written_naming_what_needs_it(string line, string smaller, string expected)
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-demo.yaml"), "small.yaml", (line, smaller));

        var diagnostic = Assert.Single(RecipeLoader.Load(recipe).Diagnostics);

        Assert.StartsWith(expected, diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("device models of its HVM guests", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("largest guest (debian)", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(smaller.Split('\n')[^1], File.ReadAllLines(recipe)[diagnostic.Line - 1]);
    }

    /// <summary>A hypervisor value no Xen entry boots with (each sets its own) is not the Dom0's memory.</summary>
    [Fact]
    public void A_hypervisor_value_every_entry_overrides_is_not_checked()
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-demo.yaml"), "overridden.yaml",
            ("    dom0_mem: 1024M,max:1024M", "    dom0_mem: 256M,max:256M"),
            ("      type: xen\n", "      type: xen\n      xen_options: { dom0_mem: 1024M }\n"),
            ("      xen_options: { dom0_mem: 1024M }\n      xen_options: { console: com1 }", "      xen_options: { console: com1, dom0_mem: 1024M }"));

        Assert.Empty(RecipeLoader.Load(recipe).Diagnostics);
    }

    [Fact]
    public void A_dom0_mem_that_holds_the_needs_is_accepted()
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-demo.yaml"), "768.yaml", ("dom0_mem: 1024M,max:1024M", "dom0_mem: 768M,max:768M"));

        Assert.Empty(RecipeLoader.Load(recipe).Diagnostics);
    }

    [Fact]
    public void Without_guests_or_with_a_machine_dependent_size_nothing_is_checked()
    {
        using var dir = new TempDirectory();
        string minimal = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-minimal.yaml"), "minimal.yaml", ("dom0_mem: 512M,max:512M", "dom0_mem: 256M,max:256M"));
        string percent = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-demo.yaml"), "percent.yaml", ("dom0_mem: 1024M,max:1024M", "dom0_mem: 10%"));

        Assert.Empty(RecipeLoader.Load(minimal).Diagnostics);
        Assert.Empty(RecipeLoader.Load(percent).Diagnostics);
    }
}
