using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Common.IO;

/// <summary>
/// A whole block device opened for writing with O_EXCL, which for a block device means: the kernel refuses (EBUSY)
/// while a file system on it is mounted or another holder (device mapper, RAID, swap, another exclusive opener) has
/// it, and refuses those to others while it is open. The last safety check is the kernel's, at the moment of writing.
/// </summary>
public static partial class BlockDeviceHandle
{
    private const int ReadWrite = 2; // O_RDWR
    private const int Exclusive = 0x80; // O_EXCL
    private const int CloseOnExec = 0x80000; // O_CLOEXEC
    private const int Direct = 0x4000; // O_DIRECT on x86-64: transfers between the caller's buffer and the device, no page cache
    private const nuint FlushBuffers = 0x1261; // BLKFLSBUF = _IO(0x12, 97)
    private const int Busy = 16; // EBUSY

    /// <summary>Buffers, offsets and lengths of <see cref="OpenExclusive"/>'s direct transfers are multiples of this.</summary>
    public const int DirectAlignment = 4096;

    /// <param name="direct">O_DIRECT: every transfer goes to the device as it is made, in <see cref="DirectAlignment"/>
    /// units from aligned memory, as `dd oflag=direct` writes.</param>
    /// <exception cref="IOException">The device cannot be opened; EBUSY says it is in use.</exception>
    public static SafeFileHandle OpenExclusive(string path, bool direct = false)
    {
        int fd = Open(path, ReadWrite | Exclusive | CloseOnExec | (direct ? Direct : 0));
        if (fd < 0)
        {
            int error = Marshal.GetLastPInvokeError();
            throw new IOException(error == Busy
                ? $"{path} is in use (the kernel refused exclusive access: something on it is mounted, or another program holds it)"
                : $"cannot open {path}: {Marshal.GetPInvokeErrorMessage(error)}");
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// Writes back and drops the kernel's cached copy of the device's blocks (blockdev --flushbufs), so that what is
    /// read next comes from the device, not from memory. Needs CAP_SYS_ADMIN, as writing a device does.
    /// </summary>
    public static void DropCache(SafeFileHandle device, string path)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (Control(device, FlushBuffers, 0) != 0)
        {
            throw new IOException($"cannot drop the cached blocks of {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    /// <summary>Waits until everything written to the device is on it (fsync); a write the device failed shows here.</summary>
    public static void Flush(SafeFileHandle device, string path)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (Sync(device) != 0)
        {
            throw new IOException($"{path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())} while writing back to the device");
        }
    }

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Sync(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Control(SafeFileHandle fd, nuint request, nint argument);
}
