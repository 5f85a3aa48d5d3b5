using System.Runtime.InteropServices;
using System.Text;

namespace ImageBuilder.Common.IO;

/// <summary>
/// A Linux TAP interface opened for its Ethernet frames (tun(4)): each read returns one frame the host's network stack
/// sent out of the interface, each write hands it one frame as if it had arrived on a cable. Attaches to a persistent
/// TAP of that name (made with `ip tuntap add NAME mode tap`, addressed and up) or makes one that lives as long as
/// this object. Needs CAP_NET_ADMIN.
/// </summary>
public sealed partial class TapDevice : IDisposable
{
    private const int ReadWrite = 2; // O_RDWR
    private const int CloseOnExec = 0x80000; // O_CLOEXEC: QEMU and other children must not hold the interface open
    private const uint SetInterface = 0x400454ca; // TUNSETIFF = _IOW('T', 202, int)
    private const short Tap = 0x0002; // IFF_TAP
    private const short NoPacketInformation = 0x1000; // IFF_NO_PI: bare frames, no 4-byte header
    private const int InterfaceRequestSize = 40; // struct ifreq
    private const int NameSize = 16; // IFNAMSIZ, the terminating zero included
    private const short Readable = 1; // POLLIN
    private const int Interrupted = 4; // EINTR

    private int descriptor;

    private TapDevice(int descriptor, string name)
    {
        this.descriptor = descriptor;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Whether <paramref name="name"/> can name a network interface: 1 to 15 bytes, none of them '/', ':', white space or NUL.</summary>
    public static bool IsValidName(string name) =>
        !string.IsNullOrEmpty(name) && Encoding.UTF8.GetByteCount(name) < NameSize && name is not ("." or "..")
        && name.All(c => c > ' ' && c != '/' && c != ':' && c != 0x7f);

    /// <exception cref="IOException">The interface cannot be opened (no such device, no permission, a TUN of that name).</exception>
    public static unsafe TapDevice Open(string name)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a network interface name (1 to 15 characters, no '/', ':' or white space)", nameof(name));
        }

        int fd = OpenFile("/dev/net/tun", ReadWrite | CloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open /dev/net/tun for TAP interface {name}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        Span<byte> request = stackalloc byte[InterfaceRequestSize];
        request.Clear();
        Encoding.UTF8.GetBytes(name, request[..NameSize]);
        BitConverter.TryWriteBytes(request[NameSize..], (short)(Tap | NoPacketInformation));
        fixed (byte* pointer = request)
        {
            if (Control(fd, SetInterface, pointer) != 0)
            {
                string reason = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
                _ = Close(fd);
                throw new IOException($"cannot attach to TAP interface {name}: {reason} (a TAP needs root or CAP_NET_ADMIN; an interface of that name must be a TAP)");
            }
        }

        return new TapDevice(fd, name);
    }

    /// <summary>Waits up to <paramref name="wait"/> for a frame; its length, or 0 when none came.</summary>
    public unsafe int Read(Span<byte> frame, TimeSpan wait)
    {
        int fd = Volatile.Read(ref descriptor);
        ObjectDisposedException.ThrowIf(fd < 0, this);
        var poll = new PollDescriptor { Descriptor = fd, Events = Readable };
        int ready = Poll(&poll, 1, (int)wait.TotalMilliseconds);
        if (ready <= 0)
        {
            int error = Marshal.GetLastPInvokeError();
            return ready == 0 || error == Interrupted ? 0 : throw new IOException($"cannot wait on TAP interface {Name}: {Marshal.GetPInvokeErrorMessage(error)}");
        }

        fixed (byte* pointer = frame)
        {
            nint read = ReadFile(fd, pointer, (nuint)frame.Length);
            return read >= 0 ? (int)read : throw new IOException($"cannot read from TAP interface {Name}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    /// <summary>Hands one frame to the host; a frame the interface does not take (it is down) is dropped, as on a cable.</summary>
    public unsafe void Write(ReadOnlySpan<byte> frame)
    {
        int fd = Volatile.Read(ref descriptor);
        ObjectDisposedException.ThrowIf(fd < 0, this);
        fixed (byte* pointer = frame)
        {
            _ = WriteFile(fd, pointer, (nuint)frame.Length);
        }
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref descriptor, -1);
        if (fd >= 0)
        {
            _ = Close(fd);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollDescriptor
    {
        public int Descriptor;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenFile(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Control(int fd, nuint request, byte* argument);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollDescriptor* descriptors, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint ReadFile(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteFile(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
