using ImageBuilder.Recipes;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Recipes;

/// <summary>A Dom0 given too little memory for its guests is a recipe error where dom0_mem is written.</summary>
public sealed class Dom0MemoryTests
{
    /// <summary>
    /// Expectations from docs/misc/xen-command-line.pandoc and dom0_build.c: sizes in KiB without a suffix, 0 is no size,
    /// the amount is raised to min and capped by max, without an amount the Dom0 gets all memory but a reserve.
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
    public void The_dom0_gets_what_xen_documents(string dom0Mem, long? mib)
    {
        Assert.Equal(mib, Dom0Memory.GrantedMiB(dom0Mem));
    }

    /// <summary>The hypervisor's dom0_mem, and an entry's own, each refused at its line, naming what needs the memory.</summary>
    [Theory]
    [InlineData("    dom0_mem: 1024M,max:1024M", "    dom0_mem: 512M,max:512M", "hypervisor.command_line.dom0_mem: '512M,max:512M' gives the Dom0 at most 512 MiB; with this recipe's guests it needs ")]
    [InlineData("      xen_options: { console: com1 }", "      xen_options: { console: com1, dom0_mem: 256M }", "boot.entries[].xen_options.dom0_mem: '256M' gives the Dom0 at most 256 MiB;")]
    public void Too_little_for_the_guests_is_refused_where_it_is_written_naming_what_needs_it(string line, string smaller, string expected)
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-demo.yaml"), "small.yaml", (line, smaller));

        var diagnostic = Assert.Single(RecipeLoader.Load(recipe).Diagnostics);

        Assert.StartsWith(expected, diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("device models of its HVM guests", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("largest guest (debian)", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(smaller, File.ReadAllLines(recipe)[diagnostic.Line - 1]);
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
