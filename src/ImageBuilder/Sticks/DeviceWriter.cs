using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using ImageBuilder.Common.IO;

namespace ImageBuilder.Sticks;

/// <summary>How far one device is: writing the image, or reading it back.</summary>
public readonly record struct WriteProgress(string Device, bool Verifying, long Done, long Total);

/// <summary>What became of one device: written and read back equal to the image, or why not.</summary>
public sealed record DeviceResult(string Device, long Bytes, string ImageSha256, TimeSpan Writing, TimeSpan Verifying, string? Failure)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Writes an image to a device and reads it back: the device is opened exclusively (the kernel's own check that nothing
/// on it is in use) for direct transfers (O_DIRECT, as `dd oflag=direct`: no copy of the image in the page cache), written
/// in 4 MiB chunks, flushed to the device (fsync: its own write cache too), any cached blocks of it dropped (BLKFLSBUF),
/// then read back directly, chunk by chunk, against the image (read again: the page cache has it). Memory: three
/// chunk buffers per device, whatever the image's size.
/// </summary>
public static class DeviceWriter
{
    private const int ChunkBytes = 4 << 20;

    /// <summary>
    /// Test hook, FILE:OFFSET: once the device is flushed and its cache dropped, the byte at OFFSET of FILE (a loop
    /// device's backing file) is inverted, as on a device that did not keep what it was given. The read-back must see it.
    /// </summary>
    public const string CorruptBeforeReadBack = "IMAGEBUILDER_TEST_CORRUPT_BEFORE_READBACK";

    /// <param name="deviceBytes">The device's size: the image's last chunk is padded with zeros to a whole number of
    /// the device's blocks, within it.</param>
    public static async Task<DeviceResult> WriteAsync(string image, string device, long deviceBytes, IProgress<WriteProgress>? progress, CancellationToken cancellationToken)
    {
        var writing = Stopwatch.StartNew();
        long length = new FileInfo(image).Length;
        string imageSha256 = string.Empty;
        Memory<byte>[] buffers = [AlignedBuffer(), AlignedBuffer()];
        try
        {
            using var handle = BlockDeviceHandle.OpenExclusive(device, direct: true);
            using (var source = new FileStream(image, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan))
            using (var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                // Two buffers: the next chunk is read and hashed while the last one is being written (one write in flight).
                var writingChunk = Task.CompletedTask;
                long offset = 0;
                for (int turn = 0; ; turn ^= 1)
                {
                    var buffer = buffers[turn];
                    int read = await source.ReadAtLeastAsync(buffer, ChunkBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    whole.AppendData(buffer.Span[..read]);
                    int padded = Padded(offset, read, deviceBytes);
                    buffer.Span[read..padded].Clear();
                    await writingChunk.ConfigureAwait(false);
                    progress?.Report(new WriteProgress(device, false, offset, length));
                    writingChunk = WriteAtAsync(handle, device, buffer[..padded], offset, cancellationToken);
                    offset += read;
                }

                await writingChunk.ConfigureAwait(false);
                progress?.Report(new WriteProgress(device, false, offset, length));
                imageSha256 = Convert.ToHexStringLower(whole.GetHashAndReset());
            }

            BlockDeviceHandle.Flush(handle, device);
            var written = writing.Elapsed;
            BlockDeviceHandle.DropCache(handle, device);
            CorruptIfAsked();

            var verifying = Stopwatch.StartNew();
            string? difference = await FirstDifferenceAsync(handle, device, image, length, deviceBytes, buffers[0], progress, cancellationToken).ConfigureAwait(false);
            return new DeviceResult(device, length, imageSha256, written, verifying.Elapsed, difference);
        }
        catch (IOException e)
        {
            return new DeviceResult(device, length, imageSha256, writing.Elapsed, TimeSpan.Zero, e.Message);
        }
    }

    /// <summary>A chunk buffer at an address direct transfers take (pinned: the garbage collector never moves it).</summary>
    private static Memory<byte> AlignedBuffer()
    {
        const int Alignment = BlockDeviceHandle.DirectAlignment;
        byte[] raw = GC.AllocateUninitializedArray<byte>(ChunkBytes + Alignment, pinned: true);
        long address = Marshal.UnsafeAddrOfPinnedArrayElement(raw, 0);
        return raw.AsMemory((int)((Alignment - (address % Alignment)) % Alignment), ChunkBytes);
    }

    /// <summary>
    /// <paramref name="count"/> bytes at <paramref name="offset"/> rounded up to the direct-transfer unit, or to the
    /// 512-byte sector every block device has where the larger unit would pass the device's end.
    /// </summary>
    private static int Padded(long offset, int count, long deviceBytes)
    {
        int unit = BlockDeviceHandle.DirectAlignment;
        int padded = (count + unit - 1) / unit * unit;
        return offset + padded <= deviceBytes ? padded : (count + 511) / 512 * 512;
    }

    private static void CorruptIfAsked()
    {
        if (Environment.GetEnvironmentVariable(CorruptBeforeReadBack) is not { } hook || hook.LastIndexOf(':') is not (> 0 and var colon))
        {
            return;
        }

        using var file = File.OpenHandle(hook[..colon], FileMode.Open, FileAccess.ReadWrite);
        long at = long.Parse(hook[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        byte[] one = new byte[1];
        RandomAccess.Read(file, one, at);
        one[0] = (byte)~one[0];
        RandomAccess.Write(file, one, at);
    }

    private static async Task WriteAtAsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string device, ReadOnlyMemory<byte> chunk, long offset, CancellationToken cancellationToken)
    {
        try
        {
            await RandomAccess.WriteAsync(handle, chunk, offset, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new IOException($"{device}: writing at byte {offset}: {e.Message}", e);
        }
    }

    /// <summary>Where the device's content first differs from the image (read again, from the page cache), or null when it reads back equal.</summary>
    private static async Task<string?> FirstDifferenceAsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string device, string image, long length, long deviceBytes, Memory<byte> buffer, IProgress<WriteProgress>? progress, CancellationToken cancellationToken)
    {
        var expected = GC.AllocateUninitializedArray<byte>(ChunkBytes);
        using var source = File.OpenHandle(image, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        for (long offset = 0; offset < length; offset += ChunkBytes)
        {
            int want = (int)Math.Min(ChunkBytes, length - offset);
            int got = await ReadFullyAsync(handle, buffer[..Padded(offset, want, deviceBytes)], offset, cancellationToken).ConfigureAwait(false);
            if (got < want)
            {
                return $"read back: the device ended at byte {offset + got}, the image has {length}";
            }

            await ReadFullyAsync(source, expected.AsMemory(0, want), offset, cancellationToken).ConfigureAwait(false);
            var back = buffer.Span[..want];
            if (!back.SequenceEqual(expected.AsSpan(0, want)))
            {
                long first = offset + back.CommonPrefixLength(expected.AsSpan(0, want));
                return $"read back: the device differs from the image at byte {first} (the write did not stick: a failing or fake-capacity device?)";
            }

            progress?.Report(new WriteProgress(device, true, offset + want, length));
        }

        return null;
    }

    /// <summary>Reads until <paramref name="into"/> is full or the file ends; how much it read.</summary>
    private static async Task<int> ReadFullyAsync(Microsoft.Win32.SafeHandles.SafeFileHandle file, Memory<byte> into, long offset, CancellationToken cancellationToken)
    {
        int got = 0;
        while (got < into.Length)
        {
            int read = await RandomAccess.ReadAsync(file, into[got..], offset + got, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            got += read;
        }

        return got;
    }
}
