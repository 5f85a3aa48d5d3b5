using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ImageBuilder.Common.IO;

namespace ImageBuilder.Qemu;

/// <summary>One machine's place on a <see cref="VirtualLan"/>: its NIC's MAC and the two UDP ports of its QEMU dgram netdev.</summary>
/// <param name="MachinePort">Where QEMU receives the LAN's frames (its dgram netdev's local port).</param>
/// <param name="HubPort">Where QEMU sends its frames (the netdev's remote port, the hub's socket for this machine).</param>
public sealed record LanPort(int Machine, string Mac, int MachinePort, int HubPort);

/// <summary>
/// A private Ethernet segment for machines booted side by side: a hub on 127.0.0.1 that repeats every frame one
/// machine's QEMU sends (a UDP datagram of its dgram netdev) to every other machine. Nothing leaves the loopback
/// interface: a frame a guest addresses to the world (multicast and broadcast included) reaches only the other
/// machines' NICs. A hub, not a learning switch: every machine sees every frame, as on a shared cable, which a few
/// machines' traffic allows. A host TAP interface may join the segment as one more port: the host's own servers
/// (dnsmasq, an HTTP server) then answer the machines, and nothing else of the host's network is reached.
/// </summary>
public sealed class VirtualLan : IAsyncDisposable
{
    private static readonly IPAddress Loopback = IPAddress.Loopback;
    private static readonly TimeSpan TapPoll = TimeSpan.FromMilliseconds(200);
    private readonly ImmutableArray<Socket> hubSockets;
    private readonly TapDevice? tap;
    private readonly CancellationTokenSource stop = new();
    private readonly Task repeating;
    private long frames;

    private VirtualLan(ImmutableArray<LanPort> ports, ImmutableArray<Socket> hubSockets, TapDevice? tap)
    {
        Ports = ports;
        this.hubSockets = hubSockets;
        this.tap = tap;
        var loops = Enumerable.Range(0, ports.Length).Select(RepeatAsync).ToList();
        if (tap is not null)
        {
            loops.Add(Task.Factory.StartNew(() => RepeatFromTap(tap), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        }

        repeating = Task.WhenAll(loops);
    }

    public ImmutableArray<LanPort> Ports { get; }

    /// <summary>Frames repeated so far (each counted once, however many machines it reached).</summary>
    public long Frames => Interlocked.Read(ref frames);

    /// <summary>
    /// A LAN for <paramref name="machines"/> machines. Their MACs are QEMU's locally administered prefix 52:54:00 and
    /// the machine's number, so the first machine's is the lowest. A <paramref name="tap"/> joins the LAN as one more
    /// port and is used until the LAN is disposed (the caller disposes it afterwards).
    /// </summary>
    public static VirtualLan Start(int machines, TapDevice? tap = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(machines, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(machines, 255);
        var sockets = new List<Socket>();
        var probes = new List<Socket>();
        var ports = new List<LanPort>();
        try
        {
            for (int machine = 1; machine <= machines; machine++)
            {
                var socket = BoundSocket();
                sockets.Add(socket);
                // The machine's port: held by a probe until every port is chosen, so no two machines get the same one;
                // QEMU binds it once the probe is closed.
                var probe = BoundSocket();
                probes.Add(probe);
                ports.Add(new LanPort(machine, MacOf(machine), PortOf(probe), PortOf(socket)));
            }
        }
        catch
        {
            sockets.ForEach(s => s.Dispose());
            throw;
        }
        finally
        {
            probes.ForEach(p => p.Dispose());
        }

        return new VirtualLan([.. ports], [.. sockets], tap);
    }

    public static string MacOf(int machine) => string.Create(CultureInfo.InvariantCulture, $"52:54:00:49:42:{machine:x2}");

    private async Task RepeatAsync(int from)
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        var targets = Ports.Where(p => p.Machine != Ports[from].Machine).Select(p => (Socket: hubSockets[p.Machine - 1], To: (EndPoint)new IPEndPoint(Loopback, p.MachinePort))).ToList();
        while (!stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await hubSockets[from].ReceiveFromAsync(buffer, SocketFlags.None, any, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                // A datagram the kernel bounced (ICMP port unreachable from a machine not listening yet): go on.
                continue;
            }

            // Only the machine this socket belongs to may speak on it: a stray sender on 127.0.0.1 is not on the LAN.
            if (received.RemoteEndPoint is not IPEndPoint sender || !sender.Address.Equals(Loopback) || sender.Port != Ports[from].MachinePort)
            {
                continue;
            }

            Interlocked.Increment(ref frames);
            var frame = buffer.AsMemory(0, received.ReceivedBytes);
            foreach (var (socket, to) in targets)
            {
                try
                {
                    await socket.SendToAsync(frame, SocketFlags.None, to, stop.Token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    // A machine that is not up (or no longer) loses the frame, as a NIC without link would.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            // The host last: its kernel may answer within the write, and its answer must not reach a machine before
            // the frame it answers (as the machines' own replies cannot).
            tap?.Write(frame.Span);
        }
    }

    /// <summary>The host's frames, out of its TAP interface, to every machine.</summary>
    private void RepeatFromTap(TapDevice host)
    {
        var buffer = new byte[65536];
        while (!stop.IsCancellationRequested)
        {
            int length = host.Read(buffer, TapPoll);
            if (length == 0)
            {
                continue;
            }

            Interlocked.Increment(ref frames);
            foreach (var port in Ports)
            {
                try
                {
                    hubSockets[port.Machine - 1].SendTo(buffer.AsSpan(0, length), SocketFlags.None, new IPEndPoint(Loopback, port.MachinePort));
                }
                catch (SocketException)
                {
                    // As above: a machine not up loses the frame.
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        }
    }

    private static Socket BoundSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(Loopback, 0));
        return socket;
    }

    private static int PortOf(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        foreach (var socket in hubSockets)
        {
            socket.Dispose();
        }

        try
        {
            await repeating.ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The sockets closed under a pending receive: the hub has stopped.
        }

        stop.Dispose();
    }
}
