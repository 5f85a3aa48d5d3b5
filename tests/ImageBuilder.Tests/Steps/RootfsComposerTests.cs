using ImageBuilder.Formats.Trees;
using ImageBuilder.Steps;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Steps;

public sealed class RootfsComposerTests
{
    private static readonly UnixFileMode StickyWorldWritable = (UnixFileMode)Convert.ToInt32("1777", 8);

    [Fact]
    public void An_overlay_keeps_the_modes_of_folders_the_root_already_has_and_gives_its_own_folders_0755()
    {
        using var dir = new TempDirectory();
        dir.Write("overlay/tmp/.keep", string.Empty);
        dir.Write("overlay/etc/motd", "hello\n");
        dir.Write("overlay/opt/demo/run", "#!/bin/sh\n");
        File.SetUnixFileMode(dir.Combine("overlay/opt/demo/run"), (UnixFileMode)Convert.ToInt32("700", 8));
        File.SetUnixFileMode(dir.Combine("overlay/tmp"), (UnixFileMode)Convert.ToInt32("700", 8));
        var builder = FileTree.CreateBuilder()
            .AddDirectory("tmp", StickyWorldWritable)
            .AddDirectory("etc", (UnixFileMode)Convert.ToInt32("755", 8));

        var tree = builder.AddOverlay(dir.Combine("overlay")).ToTree();

        Assert.Equal(StickyWorldWritable, tree.Find("tmp")!.Permissions);
        Assert.Equal((UnixFileMode)Convert.ToInt32("755", 8), tree.Find("opt")!.Permissions);
        Assert.Equal((UnixFileMode)Convert.ToInt32("755", 8), tree.Find("opt/demo")!.Permissions);
        Assert.Equal((UnixFileMode)Convert.ToInt32("755", 8), tree.Find("opt/demo/run")!.Permissions);
        Assert.Equal((UnixFileMode)Convert.ToInt32("644", 8), tree.Find("etc/motd")!.Permissions);
    }
}
