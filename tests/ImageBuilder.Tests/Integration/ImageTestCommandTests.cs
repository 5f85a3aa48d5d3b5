using System.Text.Json;
using ImageBuilder.Common.Processes;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Integration;

/// <summary>
/// `imagebuilder test` and the sample CI workflow: the workflow's own `run:` steps (read by ruamel.yaml) build recipes/xen-minimal.yaml and
/// boot-test it along every firmware and medium, its artifact paths find what they publish, and the JUnit report is
/// read by junitparser (python3-junitparser), a reader we did not write; a failed check is a JUnit failure carrying
/// the serial log.
/// </summary>
[Trait("Category", "Slow")]
[Collection("qemu")]
public sealed class ImageTestCommandTests(MinimalImageFixture minimal) : IClassFixture<MinimalImageFixture>
{
    private const string Workflow = "examples/ci/github-actions.yml";

    /// <summary>Prints, per test case of a JUnit file: suite, class, name, time, result kinds, length of its output.</summary>
    private const string JUnitReader = """
        import sys
        from junitparser import JUnitXml
        for suite in JUnitXml.fromfile(sys.argv[1]):
            for case in suite:
                results = ",".join(type(r).__name__ + "=" + (r.message or "") for r in case.result) or "passed"
                print("\t".join([suite.name, case.classname, case.name, "%.3f" % case.time, results, str(len(case.system_out or ""))]))
        """;

    [Fact]
    public async Task The_sample_workflow_builds_boot_tests_and_publishes_the_image_its_manifest_and_a_junit_report()
    {
        using var dir = new TempDirectory("ib-workflow");
        string output = dir.Combine("out");
        using var parsed = JsonDocument.Parse(Tool.Run("python3", "-c", "import json, sys; from ruamel.yaml import YAML; print(json.dumps(YAML(typ='safe').load(open(sys.argv[1]))))", Repository.PathOf(Workflow)));
        var steps = parsed.RootElement.GetProperty("jobs").GetProperty("image").GetProperty("steps").EnumerateArray().ToList();
        string dll = Path.Combine(AppContext.BaseDirectory, "imagebuilder.dll");

        foreach (string name in (string[])["Build image", "Boot-test image"])
        {
            string run = steps.Single(s => s.TryGetProperty("name", out var n) && n.GetString() == name).GetProperty("run").GetString()!;
            var spec = ProcessSpec.Of("bash", ["-euo", "pipefail", "-c", run]).In(Repository.Root)
                .WithEnvironment("PATH", Environment.GetEnvironmentVariable("PATH") ?? ProcessRunner.ToolPath)
                .WithEnvironment("CI", "true")
                .WithEnvironment("RECIPE", "recipes/xen-minimal.yaml")
                .WithEnvironment("OUT", output)
                .WithEnvironment("IMAGEBUILDER", $"dotnet {dll}");
            var result = await ProcessRunner.RunUncheckedAsync(spec, TestContext.Current.CancellationToken);
            Assert.True(result.ExitCode == 0, $"{name}:\n{result.StandardOutput}{result.StandardError}");
        }

        var upload = steps.Single(s => s.TryGetProperty("uses", out var u) && u.GetString()!.StartsWith("actions/upload-artifact@", StringComparison.Ordinal));
        foreach (string pattern in upload.GetProperty("with").GetProperty("path").GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string local = pattern.Replace("${{ env.OUT }}", output, StringComparison.Ordinal);
            Assert.True(Tool.RunUnchecked("bash", "-c", "compgen -G \"$1\"", "-", local).ExitCode == 0, $"the workflow publishes {pattern}, which matches nothing");
        }

        string[] cases = Cases(Path.Combine(output, "junit.xml"));
        Assert.Equal(["bios-cd", "bios-usb", "uefi-cd", "uefi-usb"], cases.Select(c => c.Split('\t')[1].Split('.')[1]).Order(StringComparer.Ordinal));
        Assert.All(cases, c => Assert.Equal(["Dom0 ready", "passed"], [c.Split('\t')[2], c.Split('\t')[4]]));
        Assert.All(cases, c => Assert.InRange(double.Parse(c.Split('\t')[3], System.Globalization.CultureInfo.InvariantCulture), 1.0, 600.0));
        foreach (string path in (string[])["bios-cd", "bios-usb", "uefi-cd", "uefi-usb"])
        {
            Assert.Contains("IMAGEBUILDER-DOM0-READY", File.ReadAllText(Path.Combine(output, "logs", $"test-xen-minimal-{path}.log")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_check_not_seen_in_time_fails_the_command_and_is_a_junit_failure_with_the_serial_log()
    {
        using var dir = new TempDirectory("ib-test-fail");
        string report = dir.Combine("report.xml");

        var result = ImageBuilderCli.Run("test", minimal.Image, "--firmware", "uefi", "--media", "cd", "--timeout", "4", "--junit", report, "--logs", dir.Path);

        Assert.True(result.ExitCode == 1, result.StandardOutput + result.StandardError);
        Assert.Contains("uefi-cd: FAILED (timed out after 4 s", result.StandardOutput, StringComparison.Ordinal);
        string[] fields = Assert.Single(Cases(report)).Split('\t');
        Assert.Equal(["xen-minimal.uefi-cd", "Dom0 ready", "Failure=not seen: IMAGEBUILDER-DOM0-READY (timed out after 4 s)"], [fields[1], fields[2], fields[4]]);
        Assert.True(int.Parse(fields[5], System.Globalization.CultureInfo.InvariantCulture) > 0, "the failed case carries no serial log");
        Assert.Contains("[[ATTACHMENT|" + dir.Combine("test-xen-minimal-uefi-cd.log") + "]]", File.ReadAllText(report), StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_without_its_manifest_is_a_usage_error()
    {
        using var dir = new TempDirectory("ib-test-bare");
        string bare = dir.Combine("bare.iso");
        File.Copy(minimal.Image, bare);

        var result = ImageBuilderCli.Run("test", bare);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bare.manifest.json not found", result.StandardError, StringComparison.Ordinal);
    }

    private static string[] Cases(string report) =>
        Tool.Run("python3", "-c", JUnitReader, report).Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
