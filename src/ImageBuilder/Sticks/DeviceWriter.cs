using System.Collections.Immutable;
using System.Diagnostics;
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
/// on it is in use), written in 4 MiB chunks through the page cache, flushed to the device (fsync), its cached blocks
/// dropped (BLKFLSBUF) so that the read-back reads the device and not memory, then read back chunk by chunk against
/// the SHA-256 of each chunk written. Memory: one chunk buffer per device, whatever the image's size.
/// </summary>
public static class DeviceWriter
{
    private const int ChunkBytes = 4 << 20;

    /// <summary>
    /// Test hook, FILE:OFFSET: once the device is flushed and its cache dropped, the byte at OFFSET of FILE (a loop
    /// device's backing file) is inverted, as on a device that did not keep what it was given. The read-back must see it.
    /// </summary>
    public const string CorruptBeforeReadBack = "IMAGEBUILDER_TEST_CORRUPT_BEFORE_READBACK";

    public static async Task<DeviceResult> WriteAsync(string image, string device, IProgress<WriteProgress>? progress, CancellationToken cancellationToken)
    {
        var writing = Stopwatch.StartNew();
        long length = new FileInfo(image).Length;
        var chunks = ImmutableArray.CreateBuilder<byte[]>();
        string imageSha256 = string.Empty;
        var buffer = GC.AllocateUninitializedArray<byte>(ChunkBytes);
        try
        {
            using var handle = BlockDeviceHandle.OpenExclusive(device);
            using (var source = new FileStream(image, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan))
            using (var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                long offset = 0;
                int read;
                while ((read = await source.ReadAtLeastAsync(buffer, ChunkBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    var chunk = buffer.AsMemory(0, read);
                    whole.AppendData(chunk.Span);
                    chunks.Add(SHA256.HashData(chunk.Span));
                    await WriteAtAsync(handle, device, chunk, offset, cancellationToken).ConfigureAwait(false);
                    offset += read;
                    progress?.Report(new WriteProgress(device, false, offset, length));
                }

                imageSha256 = Convert.ToHexStringLower(whole.GetHashAndReset());
            }

            BlockDeviceHandle.Flush(handle, device);
            var written = writing.Elapsed;
            BlockDeviceHandle.DropCache(handle, device);
            CorruptIfAsked();

            var verifying = Stopwatch.StartNew();
            string? difference = await FirstDifferenceAsync(handle, device, chunks.ToImmutable(), length, buffer, progress, cancellationToken).ConfigureAwait(false);
            return new DeviceResult(device, length, imageSha256, written, verifying.Elapsed, difference);
        }
        catch (IOException e)
        {
            return new DeviceResult(device, length, imageSha256, writing.Elapsed, TimeSpan.Zero, e.Message);
        }
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

    /// <summary>Where the device's content first differs from the chunks written, or null when it reads back equal.</summary>
    private static async Task<string?> FirstDifferenceAsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string device, ImmutableArray<byte[]> chunks, long length, byte[] buffer, IProgress<WriteProgress>? progress, CancellationToken cancellationToken)
    {
        long offset = 0;
        foreach (byte[] expected in chunks)
        {
            int want = (int)Math.Min(ChunkBytes, length - offset);
            int got = 0;
            while (got < want)
            {
                int read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(got, want - got), offset + got, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return $"read back: the device ended at byte {offset + got}, the image has {length}";
                }

                got += read;
            }

            if (!SHA256.HashData(buffer.AsSpan(0, want)).AsSpan().SequenceEqual(expected))
            {
                return $"read back: the device differs from the image in bytes {offset} to {offset + want - 1} (the write did not stick: a failing or fake-capacity device?)";
            }

            offset += want;
            progress?.Report(new WriteProgress(device, true, offset, length));
        }

        return null;
    }
}
