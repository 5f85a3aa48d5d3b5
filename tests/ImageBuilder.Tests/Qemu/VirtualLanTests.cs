using System.Net;
using System.Net.Sockets;
using ImageBuilder.Common.IO;
using ImageBuilder.Qemu;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Qemu;

/// <summary>
/// The machines' LAN, with UDP sockets standing in for QEMU's dgram netdevs: each binds its machine port and sends to
/// its hub port, as `-netdev dgram,local=...,remote=...` does.
/// </summary>
public sealed class VirtualLanTests
{
    private static Socket Machine(LanPort port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port.MachinePort));
        return socket;
    }

    private static async Task<byte[]?> ReceiveAsync(Socket socket, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var buffer = new byte[2048];
        try
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return buffer[..read];
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    [Fact]
    public async Task A_frame_one_machine_sends_reaches_every_other_machine_and_not_itself()
    {
        await using var lan = VirtualLan.Start(3);
        var machines = lan.Ports.Select(Machine).ToList();
        try
        {
            byte[] frame = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x49, 0x42, 0x01, 0x08, 0x06, 1, 2, 3];
            await machines[0].SendToAsync(frame, SocketFlags.None, new IPEndPoint(IPAddress.Loopback, lan.Ports[0].HubPort), TestContext.Current.CancellationToken);

            Assert.Equal(frame, await ReceiveAsync(machines[1], TimeSpan.FromSeconds(5)));
            Assert.Equal(frame, await ReceiveAsync(machines[2], TimeSpan.FromSeconds(5)));
            Assert.Null(await ReceiveAsync(machines[0], TimeSpan.FromMilliseconds(300)));
            Assert.Equal(1, lan.Frames);
        }
        finally
        {
            machines.ForEach(m => m.Dispose());
        }
    }

    [Fact]
    public async Task A_sender_that_is_not_the_machine_of_a_hub_port_is_not_on_the_lan()
    {
        await using var lan = VirtualLan.Start(2);
        var machines = lan.Ports.Select(Machine).ToList();
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        try
        {
            await stranger.SendToAsync(new byte[] { 1, 2, 3 }, SocketFlags.None, new IPEndPoint(IPAddress.Loopback, lan.Ports[0].HubPort), TestContext.Current.CancellationToken);

            Assert.Null(await ReceiveAsync(machines[1], TimeSpan.FromMilliseconds(500)));
            Assert.Equal(0, lan.Frames);
        }
        finally
        {
            machines.ForEach(m => m.Dispose());
        }
    }

    /// <summary>IEEE 802: the first octet's bit 0 set means multicast, bit 1 set a locally administered address.</summary>
    [Fact]
    public void Every_machine_has_a_unicast_locally_administered_mac_of_its_own()
    {
        var macs = Enumerable.Range(1, 64).Select(VirtualLan.MacOf).ToList();

        Assert.Equal(macs.Count, macs.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(macs, mac =>
        {
            byte first = Convert.ToByte(mac[..2], 16);
            Assert.Equal(0, first & 1);
            Assert.Equal(2, first & 2);
            Assert.Matches("^([0-9a-f]{2}:){5}[0-9a-f]{2}$", mac);
        });
    }

    /// <summary>
    /// A host TAP on the LAN, in a namespace of the test's own with an address: a machine's ARP request for that address
    /// (RFC 826) reaches the host's kernel, and the kernel's reply, from the TAP's own MAC, reaches the machine.
    /// </summary>
    [Fact]
    public async Task A_host_tap_on_the_lan_answers_a_machines_arp_request_through_the_hub()
    {
        using var space = new NetworkNamespace();
        TapDevice? tap = null;
        try
        {
            string name = space.AdoptTap("10.231.7.1/24", n => tap = TapDevice.Open(n));
            string tapMac = System.Text.RegularExpressions.Regex.Match(space.Run("ip", "-o", "link", "show", name), "link/ether ([0-9a-f:]{17})").Groups[1].Value;
            await using var lan = VirtualLan.Start(2, tap);
            var machines = lan.Ports.Select(Machine).ToList();
            try
            {
                byte[] mac = [0x52, 0x54, 0x00, 0x49, 0x42, 0x01];
                byte[] request =
                [
                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, .. mac, 0x08, 0x06, // Ethernet: broadcast, from machine 1, ARP
                    0, 1, 0x08, 0x00, 6, 4, 0, 1, // Ethernet/IPv4, request
                    .. mac, 10, 231, 7, 2, // sender
                    0, 0, 0, 0, 0, 0, 10, 231, 7, 1, // target: the host's address
                ];
                await machines[0].SendToAsync(request, SocketFlags.None, new IPEndPoint(IPAddress.Loopback, lan.Ports[0].HubPort), TestContext.Current.CancellationToken);

                // The host's own IPv6 chatter on a new interface (router solicitations, MLD) crosses the hub too, to
                // both machines, and may come first.
                byte[]? relayed = null;
                var until = DateTime.UtcNow.AddSeconds(5);
                while (relayed is null && DateTime.UtcNow < until)
                {
                    byte[]? frame = await ReceiveAsync(machines[1], TimeSpan.FromSeconds(1));
                    relayed = frame is not null && frame.AsSpan().SequenceEqual(request) ? frame : null;
                }

                Assert.NotNull(relayed);
                byte[]? reply = null;
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (reply is null && DateTime.UtcNow < deadline)
                {
                    byte[]? frame = await ReceiveAsync(machines[0], TimeSpan.FromSeconds(1));
                    reply = frame is { Length: >= 42 } && frame[12] == 0x08 && frame[13] == 0x06 && frame[21] == 2 ? frame : null;
                }

                Assert.NotNull(reply);
                Assert.Equal(mac, reply[..6]);
                Assert.Equal(tapMac, string.Join(':', reply[22..28].Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))));
                Assert.Equal(new byte[] { 10, 231, 7, 1 }, reply[28..32]);
                Assert.Equal(mac, reply[32..38]);
            }
            finally
            {
                machines.ForEach(m => m.Dispose());
            }
        }
        finally
        {
            tap?.Dispose();
        }
    }
}
