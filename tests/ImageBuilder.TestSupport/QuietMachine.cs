using System.Diagnostics;

namespace ImageBuilder.TestSupport;

/// <summary>
/// In .ci/run a lane of builds runs beside the boots (build.cake) and, when it is done, leaves the file that
/// IMAGEBUILDER_TEST_QUIET_AFTER names. A boot that needs the machine to itself waits for that file; run any other way
/// (no such variable), nothing runs beside the tests and there is nothing to wait for.
/// </summary>
public static class QuietMachine
{
    public const string Variable = "IMAGEBUILDER_TEST_QUIET_AFTER";

    /// <returns>How long it waited: until the file is there, or <paramref name="limit"/>.</returns>
    public static TimeSpan AwaitBuildLane(TimeSpan limit)
    {
        string? marker = Environment.GetEnvironmentVariable(Variable);
        var waited = Stopwatch.StartNew();
        while (!string.IsNullOrEmpty(marker) && !File.Exists(marker) && waited.Elapsed < limit)
        {
            Thread.Sleep(TimeSpan.FromSeconds(5));
        }

        return waited.Elapsed;
    }
}
