using System.Collections.Immutable;
using ImageBuilder.Common.IO;

namespace ImageBuilder.Qemu;

/// <summary>One machine's boot among several: its place on the LAN and what its console showed.</summary>
public sealed record MachineOutcome(LanPort Port, BootOutcome Outcome);

/// <summary>
/// Boots several machines from one image at once, each with a NIC on one private <see cref="VirtualLan"/>, its own MAC,
/// its own serial log and its own copy-on-write view of the image (a USB stick is opened with snapshot=on; a CD is
/// read-only), and watches each console for every expected text: each machine must show all of them. The host joins
/// the LAN through a TAP interface when one is given.
/// </summary>
public static class LanBoot
{
    public static async Task<ImmutableArray<MachineOutcome>> RunAsync(BootOptions options, int machines, TapDevice? host = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var lan = VirtualLan.Start(machines, host);
        var boots = lan.Ports.Select(async port =>
            new MachineOutcome(port, await BootRunner.RunAsync(options with { LogFile = LogFileOf(options.LogFile, port.Machine), Lan = port }, cancellationToken).ConfigureAwait(false)));
        return [.. await Task.WhenAll(boots).ConfigureAwait(false)];
    }

    /// <summary>Machine N's serial log: the given log file's name with -mN before its extension.</summary>
    public static string LogFileOf(string logFile, int machine)
    {
        ArgumentNullException.ThrowIfNull(logFile);
        string extension = Path.GetExtension(logFile);
        return Path.Combine(Path.GetDirectoryName(logFile) ?? string.Empty, $"{Path.GetFileNameWithoutExtension(logFile)}-m{machine}{extension}");
    }
}
