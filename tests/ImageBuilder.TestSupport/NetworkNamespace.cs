using System.Diagnostics;

namespace ImageBuilder.TestSupport;

/// <summary>
/// A network namespace of a test's own (ip-netns(8)), deleted with everything in it when disposed: the addresses a
/// test gives its interfaces, and the servers it runs on them, are seen by nothing outside it.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private static int made;
    private readonly List<string> taps = [];

    public NetworkNamespace()
    {
        Name = $"ibtest-{Environment.ProcessId}-{Interlocked.Increment(ref made)}";
        Tool.Run("ip", "netns", "add", Name);
        Run("ip", "link", "set", "lo", "up");
    }

    public string Name { get; }

    /// <summary>A program run inside the namespace; its output, or an exception when it fails.</summary>
    public string Run(string program, params string[] arguments) => Tool.Run("ip", ["netns", "exec", Name, program, .. arguments]);

    /// <summary>A server started inside the namespace to run beside a test (ip execs it: killing the process ends the server).</summary>
    public Process Start(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo("ip");
        foreach (string argument in (string[])["netns", "exec", Name, program, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
    }

    /// <summary>A persistent TAP interface in this namespace with an address (CIDR), up; its name.</summary>
    public string AddTap(string address)
    {
        string tap = NewTapName();
        Run("ip", "tuntap", "add", "dev", tap, "mode", "tap");
        Configure(tap, address);
        return tap;
    }

    /// <summary>
    /// A persistent TAP interface made in the host's namespace, handed to <paramref name="attach"/> there (a process
    /// outside keeps its frames), then moved here with an address (CIDR), up; its name.
    /// </summary>
    public string AdoptTap(string address, Action<string> attach)
    {
        ArgumentNullException.ThrowIfNull(attach);
        string tap = NewTapName();
        Tool.Run("ip", "tuntap", "add", "dev", tap, "mode", "tap");
        attach(tap);
        Tool.Run("ip", "link", "set", tap, "netns", Name);
        Configure(tap, address);
        return tap;
    }

    /// <summary>A name no other TAP of these tests has (interface names are at most 15 characters).</summary>
    private string NewTapName()
    {
        string tap = $"ibtap{Environment.ProcessId % 100000}x{Interlocked.Increment(ref made)}";
        taps.Add(tap);
        return tap;
    }

    private void Configure(string tap, string address)
    {
        Run("ip", "address", "add", address, "dev", tap);
        Run("ip", "link", "set", tap, "up");
    }

    public void Dispose()
    {
        // Servers still running in the namespace are the test's to stop first. A TAP is deleted wherever it is.
        foreach (string tap in taps)
        {
            _ = Tool.RunUnchecked("ip", "netns", "exec", Name, "ip", "link", "delete", tap);
            _ = Tool.RunUnchecked("ip", "link", "delete", tap);
        }

        _ = Tool.RunUnchecked("ip", "netns", "delete", Name);
    }
}
