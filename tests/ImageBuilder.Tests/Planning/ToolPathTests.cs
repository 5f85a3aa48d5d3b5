using ImageBuilder.Common.Processes;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Planning;

/// <summary>
/// Build tools run from the host's system directories with a PATH of those alone, whatever the calling shell's PATH
/// puts first (a version manager's shims): a program of that name in a directory first on our own PATH is not the
/// one that runs, and a child sees the system PATH.
/// </summary>
[Collection("process environment")]
public sealed class ToolPathTests
{
    [Fact]
    public void A_program_first_on_the_callers_path_is_not_what_runs_and_children_see_the_system_path()
    {
        using var dir = new TempDirectory("ib-toolpath");
        Script(dir, "sh", "echo shim");
        string? before = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", dir.Path + ":" + before);
        try
        {
            string printed = ProcessRunner.Run(ProcessSpec.Of("sh", "-c", "echo \"$PATH\"; command -v sh")).StandardOutput;

            Assert.Equal("/usr/sbin:/usr/bin:/sbin:/bin\n/usr/bin/sh\n", printed);
            Assert.False(ProcessRunner.IsAvailable("ib-not-a-program"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", before);
        }
    }

    [Fact]
    public void A_spec_that_names_its_path_runs_with_it()
    {
        using var dir = new TempDirectory("ib-toolpath");
        Script(dir, "ib-own-tool", "echo \"own $PATH\"");

        string printed = ProcessRunner.Run(ProcessSpec.Of("ib-own-tool").WithEnvironment("PATH", dir.Path + ":/usr/bin:/bin")).StandardOutput;

        Assert.Equal($"own {dir.Path}:/usr/bin:/bin\n", printed);
    }

    private static void Script(TempDirectory dir, string name, string body)
    {
        string path = dir.Combine(name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
    }
}

[CollectionDefinition("process environment", DisableParallelization = true)]
public sealed class ProcessEnvironmentGroup;
