using ImageBuilder.Common.Processes;
using ImageBuilder.Qemu;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Qemu;

/// <summary>
/// A menu entry is chosen as a person at GRUB's menu would: once the console shows the menu, GRUB's "next entry" key
/// ('v', as the Down arrow; grub-core/normal/menu.c) as often as the position and Enter (CR), a level at a time. The "VM" is a shell that prints a menu
/// header and then shows, in hex, the bytes it reads on its standard input.
/// </summary>
public sealed class GrubMenuKeysTests
{
    [Fact]
    public async Task The_keys_go_to_the_console_once_the_menu_shows_a_level_at_a_time()
    {
        using var dir = new TempDirectory();
        var entry = GrubMenuPath.TryParse("2>1", out _)!;
        var console = ProcessSpec.Of("/bin/sh", "-c", "echo '   GNU GRUB  version 2.06'; printf 'keys:'; head -c 5 | od -An -tx1 | tr -d ' \\n'; echo ':end'; sleep 60");

        var outcome = await BootRunner.WatchAsync(console, [":end"], TimeSpan.FromSeconds(30), dir.Combine("console.log"), menuEntry: entry, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(outcome.Succeeded, outcome.Reason + outcome.LogTail);
        Assert.Contains("keys:76760d760d:end", File.ReadAllText(dir.Combine("console.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_key_is_pressed_before_the_menu_shows()
    {
        using var dir = new TempDirectory();
        var entry = GrubMenuPath.TryParse("1", out _)!;
        var console = ProcessSpec.Of("/bin/sh", "-c", "echo 'firmware'; if read -t 5 -r x; then echo 'early key'; else echo 'no key:end'; fi; sleep 60");

        var outcome = await BootRunner.WatchAsync(console, [":end"], TimeSpan.FromSeconds(30), dir.Combine("console.log"), ["early key"], menuEntry: entry, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(outcome.Succeeded, outcome.Reason + outcome.LogTail);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("1>")]
    [InlineData("-1")]
    [InlineData("1>>2")]
    [InlineData("100")]
    public void A_path_that_is_not_positions_is_refused_with_the_form_it_takes(string text)
    {
        Assert.Null(GrubMenuPath.TryParse(text, out string? error));
        Assert.Contains("such as 2 or 3>1", error, StringComparison.Ordinal);
    }
}
