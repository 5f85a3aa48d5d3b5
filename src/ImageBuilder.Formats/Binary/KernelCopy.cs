using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Formats.Binary;

/// <summary>
/// copy_file_range(2): file data moves inside the kernel (or is shared by reflink where the file system can),
/// never through our buffers. Callers fall back to a plain copy when this reports false.
/// </summary>
internal static partial class KernelCopy
{
    private const int MaxChunk = 1 << 30;

    /// <returns>True when all <paramref name="length"/> bytes were copied; false when the kernel cannot do it for these files and nothing was copied.</returns>
    public static bool TryCopy(SafeFileHandle source, SafeFileHandle destination, long destinationOffset, long length)
    {
        bool addedSource = false;
        bool addedDestination = false;
        try
        {
            source.DangerousAddRef(ref addedSource);
            destination.DangerousAddRef(ref addedDestination);
            int fdIn = (int)source.DangerousGetHandle();
            int fdOut = (int)destination.DangerousGetHandle();
            long inOffset = 0;
            long outOffset = destinationOffset;
            long remaining = length;
            while (remaining > 0)
            {
                nint copied = CopyFileRange(fdIn, ref inOffset, fdOut, ref outOffset, (nuint)Math.Min(remaining, MaxChunk), 0);
                if (copied < 0)
                {
                    if (remaining == length)
                    {
                        return false; // ENOSYS, EXDEV, EINVAL...: let the caller copy the ordinary way
                    }

                    throw new IOException($"copy_file_range failed after {length - remaining} of {length} bytes (errno {Marshal.GetLastPInvokeError()})");
                }

                if (copied == 0)
                {
                    throw new IOException($"source ended {remaining} bytes early (did it change?)");
                }

                remaining -= copied;
            }

            return true;
        }
        finally
        {
            if (addedSource)
            {
                source.DangerousRelease();
            }

            if (addedDestination)
            {
                destination.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    private static partial nint CopyFileRange(int fdIn, ref long offIn, int fdOut, ref long offOut, nuint length, uint flags);
}
