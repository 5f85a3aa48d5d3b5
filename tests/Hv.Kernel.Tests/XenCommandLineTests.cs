using Hv.Kernel.Xen;

namespace Hv.Kernel.Tests;

public sealed class XenCommandLineTests
{
    [Theory]
    [InlineData("1024M")]
    [InlineData("max:1024M")]
    [InlineData("min:512M,max:2G,1G")]
    [InlineData("50%")]
    [InlineData("-512M")]
    [InlineData("4194304K")]
    public void Valid_dom0_mem_values_pass(string value) => Assert.Null(XenCommandLine.Validate("dom0_mem", value));

    [Theory]
    [InlineData("lots")]
    [InlineData("1024MB")]
    [InlineData("max:")]
    [InlineData("top:1G")]
    [InlineData("")]
    public void Malformed_dom0_mem_values_are_rejected_with_the_offending_part(string value)
    {
        string? problem = XenCommandLine.Validate("dom0_mem", value);

        Assert.NotNull(problem);
        Assert.StartsWith("dom0_mem: '", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("console", "com1,vga", true)]
    [InlineData("console", "com3", false)]
    [InlineData("com1", "115200,8n1", true)]
    [InlineData("com1", "fast", false)]
    [InlineData("loglvl", "all/warning", true)]
    [InlineData("loglvl", "chatty", false)]
    [InlineData("noreboot", null, true)]
    [InlineData("noreboot", "maybe", false)]
    [InlineData("dom0_max_vcpus", "1-4", true)]
    // xen-command-line.pandoc: bootscrub = idle | <boolean>.
    [InlineData("bootscrub", "idle", true)]
    [InlineData("bootscrub", null, true)]
    [InlineData("bootscrub", "no", true)]
    [InlineData("bootscrub", "later", false)]
    public void Known_options_are_checked_against_their_syntax(string name, string? value, bool valid) =>
        Assert.Equal(valid, XenCommandLine.Validate(name, value) is null);

    [Fact]
    public void An_unknown_option_gets_a_suggestion_when_one_is_close()
    {
        Assert.Equal(
            "unknown Xen option 'dom0mem'; did you mean 'dom0_mem'? (options this tool does not know go under 'extra')",
            XenCommandLine.Validate("dom0mem", "1G"));
        Assert.Equal(
            "unknown Xen option 'frobnicate' (put options this tool does not know under 'extra')",
            XenCommandLine.Validate("frobnicate", null));
    }

    [Fact]
    public void Parsing_and_rendering_round_trips()
    {
        const string text = "dom0_mem=1024M,max:1024M console=com1,vga com1=115200,8n1 loglvl=all noreboot";

        var (commandLine, errors) = XenCommandLine.Parse(text);

        Assert.Empty(errors);
        Assert.Equal(text, commandLine.Render());
        Assert.Equal("com1,vga", commandLine.ValueOf("console"));
    }

    [Fact]
    public void Parsing_reports_every_bad_option()
    {
        var (_, errors) = XenCommandLine.Parse("dom0_mem=lots consle=com1 loglvl=all");

        Assert.Equal(2, errors.Count);
        Assert.StartsWith("dom0_mem:", errors[0], StringComparison.Ordinal);
        Assert.Contains("'consle'", errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Merging_replaces_by_name_keeps_order_and_appends_new_options()
    {
        var (base_, _) = XenCommandLine.Parse("dom0_mem=1G console=com1,vga loglvl=all");
        var (overrides, _) = XenCommandLine.Parse("console=com1 noreboot");

        Assert.Equal("dom0_mem=1G console=com1 loglvl=all noreboot", base_.Merge(overrides).Render());
    }
}
