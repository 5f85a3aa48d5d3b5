using System.Runtime.InteropServices;

namespace ImageBuilder.Common.IO;

/// <summary>
/// An exclusive flock(2) on a lock file, held until disposed. The kernel drops it when the process ends, however it ends
/// (SIGKILL included), so a lock is never left behind by a crashed build. Used per cache entry and per output image, so
/// two builds wait for each other only where they would write the same thing.
/// </summary>
/// <remarks>
/// The file is opened with open(2), not a FileStream: .NET takes a non-blocking flock of its own when it opens a file,
/// which would fail instead of waiting while another build holds the lock.
/// </remarks>
public sealed partial class FileLock : IDisposable
{
    private const int ReadWrite = 2; // O_RDWR
    private const int Create = 0x40; // O_CREAT
    private const int CloseOnExec = 0x80000; // O_CLOEXEC: child processes (make, qemu) must not inherit the lock
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int WouldBlock = 11; // EWOULDBLOCK = EAGAIN on Linux
    private const int Interrupted = 4; // EINTR
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private int descriptor;

    private FileLock(int descriptor) => this.descriptor = descriptor;

    /// <summary>Takes the lock, waiting as long as another process holds it; <paramref name="waiting"/> is told once when it has to wait.</summary>
    public static async Task<FileLock> AcquireAsync(string path, Action? waiting = null, CancellationToken cancellationToken = default)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        int fd = Open(full, ReadWrite | Create | CloseOnExec, 0x1A4);
        if (fd < 0)
        {
            throw new IOException($"cannot open lock file {full}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        try
        {
            bool told = false;
            while (Flock(fd, LockExclusive | LockNonBlocking) != 0)
            {
                int error = Marshal.GetLastPInvokeError();
                if (error == Interrupted)
                {
                    continue;
                }

                if (error != WouldBlock)
                {
                    throw new IOException($"cannot lock {full}: {Marshal.GetPInvokeErrorMessage(error)}");
                }

                if (!told)
                {
                    waiting?.Invoke();
                    told = true;
                }

                await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
            }

            return new FileLock(fd);
        }
        catch
        {
            _ = Close(fd);
            throw;
        }
    }

    /// <summary>Closing the descriptor releases the lock.</summary>
    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref descriptor, -1);
        if (fd >= 0)
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
