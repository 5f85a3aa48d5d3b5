using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Overlays;

/// <summary>Every shell script the images carry (overlays/) passes shellcheck, with its warnings.</summary>
public sealed class ShellScriptTests
{
    public static TheoryData<string> Scripts()
    {
        var scripts = new TheoryData<string>();
        string overlays = Repository.PathOf("overlays");
        foreach (string file in Directory.EnumerateFiles(overlays, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (IsShellScript(file))
            {
                scripts.Add(Path.GetRelativePath(Repository.Root, file));
            }
        }

        return scripts;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void The_script_passes_shellcheck(string script)
    {
        var check = Tool.RunUnchecked("shellcheck", "--external-sources", "--format=gcc", Repository.PathOf(script));

        Assert.True(check.ExitCode == 0, check.StandardOutput + check.StandardError);
    }

    [Fact]
    public void The_live_init_the_dom0_services_the_demo_and_the_guest_inits_are_all_checked()
    {
        var scripts = Scripts().Select(row => row.Data).ToList();

        foreach (string expected in (string[])["overlays/live-initramfs/init", "overlays/dom0/usr/local/bin/xen-demo", "overlays/dom0/usr/lib/imagebuilder/start-guests", "overlays/guest-tiny/init", "overlays/dom0-initramfs/init", "overlays/dom0/etc/profile.d/imagebuilder.sh"])
        {
            Assert.Contains(expected, scripts);
        }
    }

    /// <summary>A #! line naming a shell (busybox's too), or a profile snippet, which is sourced by one.</summary>
    private static bool IsShellScript(string file)
    {
        if (file.EndsWith(".sh", StringComparison.Ordinal))
        {
            return true;
        }

        using var reader = new StreamReader(file);
        string? first = reader.ReadLine();
        return first is not null && first.StartsWith("#!", StringComparison.Ordinal)
            && (first.EndsWith("/sh", StringComparison.Ordinal) || first.EndsWith("/bash", StringComparison.Ordinal) || first.EndsWith("busybox sh", StringComparison.Ordinal) || first.Contains("env bash", StringComparison.Ordinal));
    }
}
