using System.Net;
using System.Net.Sockets;
using ImageBuilder.Qemu;

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
}
