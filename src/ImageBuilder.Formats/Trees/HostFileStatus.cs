using System.Runtime.InteropServices;

namespace ImageBuilder.Formats.Trees;

/// <summary>
/// lstat(2) for what .NET does not expose: the file type (device, FIFO, socket) and the device number.
/// Package trees contain device nodes; opening a FIFO as a regular file would block forever.
/// </summary>
internal static partial class HostFileStatus
{
    public const int TypeMask = 0xF000;
    public const int Regular = 0x8000;
    public const int CharacterDevice = 0x2000;
    public const int BlockDevice = 0x6000;

    // struct stat as glibc lays it out on the two 64-bit Linux ABIs we run on.
    private const int StatSize = 256;

    public static HostStat Of(string path)
    {
        Span<byte> buffer = stackalloc byte[StatSize];
        if (LStat(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            throw new IOException($"lstat failed for {path} (errno {Marshal.GetLastPInvokeError()})");
        }

        (int modeOffset, int uidOffset, int rdevOffset) = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (24, 28, 40),
            Architecture.Arm64 => (16, 24, 32),
            var other => throw new PlatformNotSupportedException($"file types are read on x64 and arm64 Linux only, not {other}"),
        };
        int mode = BitConverter.ToInt32(buffer[modeOffset..]);
        int uid = BitConverter.ToInt32(buffer[uidOffset..]);
        int gid = BitConverter.ToInt32(buffer[(uidOffset + 4)..]);
        ulong rdev = BitConverter.ToUInt64(buffer[rdevOffset..]);

        // glibc's gnu_dev_major/minor encoding.
        int major = (int)(((rdev >> 8) & 0xFFF) | ((rdev >> 32) & 0xFFFFF000));
        int minor = (int)((rdev & 0xFF) | ((rdev >> 12) & 0xFFFFFF00));
        return new HostStat(mode & TypeMask, major, minor, uid, gid);
    }

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LStat(string path, ref byte buffer);
}

/// <summary>What lstat(2) says about one host entry beyond .NET's view: type, device number, owner.</summary>
internal readonly record struct HostStat(int Type, int Major, int Minor, int Uid, int Gid);
