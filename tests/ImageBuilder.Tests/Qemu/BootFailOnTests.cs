using System.Diagnostics;
using ImageBuilder.Common.Processes;
using ImageBuilder.Qemu;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Qemu;

/// <summary>
/// A boot watched for a failure text ends as soon as the console shows it. The "VM" is a shell whose stdout is its
/// console: it prints the failure, then would run for a minute more.
/// </summary>
public sealed class BootFailOnTests
{
    private static ProcessSpec Console(string script) => ProcessSpec.Of("/bin/sh", "-c", script);

    [Fact]
    public async Task A_failure_text_ends_the_watch_at_once_as_failed()
    {
        using var dir = new TempDirectory();
        var clock = Stopwatch.StartNew();

        var outcome = await BootRunner.WatchAsync(Console("echo ready; sleep 1; printf 'demo: x\\nIMAGEBUILDER-DEMO-FAI'; sleep 1; echo LED; sleep 60"), ["ready", "IMAGEBUILDER-DEMO-DONE"], TimeSpan.FromSeconds(50), dir.Combine("console.log"), ["IMAGEBUILDER-DEMO-FAILED"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(outcome.Succeeded);
        Assert.StartsWith("the console showed 'IMAGEBUILDER-DEMO-FAILED'", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(["IMAGEBUILDER-DEMO-DONE"], outcome.Missing);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Without_the_failure_text_the_expected_texts_decide()
    {
        using var dir = new TempDirectory();

        var outcome = await BootRunner.WatchAsync(Console("echo ready; echo IMAGEBUILDER-DEMO-DONE; sleep 60"), ["ready", "IMAGEBUILDER-DEMO-DONE"], TimeSpan.FromSeconds(50), dir.Combine("console.log"), ["IMAGEBUILDER-DEMO-FAILED"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(outcome.Succeeded, outcome.Reason);
    }
}
