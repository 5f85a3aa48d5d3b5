using System.Buffers;
using ImageBuilder.Formats.Trees;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Formats.Iso9660;

/// <summary>
/// Writes the file extents of a laid-out image into a pre-sized output file from several threads at once.
/// The layout pass fixed every extent's offset, so workers need no coordination: each takes a contiguous run
/// of extents and turns it into few large positioned writes. Measured on ext4: two workers with read + pwrite
/// beat copy_file_range, which ext4 serves page by page and serialises on the destination (bench/README.md).
/// Sector padding is never written: the output was sized in advance, so unwritten bytes read as zeros.
/// </summary>
internal static class ParallelExtentWriter
{
    private const int BatchSize = 4 << 20;

    public static void Write(IsoLayout layout, SafeFileHandle output, Func<FileExtent, byte[]?> patchedContent)
    {
        // Two per core: while one worker waits on a read, the other's write proceeds (measured: 0.58 s -> 0.55 s).
        int workers = 2 * Math.Max(1, Environment.ProcessorCount);
        var groups = Split(layout.Files, workers);
        Parallel.ForEach(groups, new ParallelOptions { MaxDegreeOfParallelism = workers }, group => WriteGroup(group, output, patchedContent));
    }

    /// <summary>Contiguous runs of extents with about the same number of bytes each.</summary>
    private static List<List<FileExtent>> Split(IReadOnlyList<FileExtent> files, int parts)
    {
        long total = files.Sum(f => f.File.Content.Length);
        var groups = new List<List<FileExtent>> { new() };
        long share = Math.Max(1, total / parts);
        long filled = 0;
        foreach (var file in files)
        {
            if (filled >= share && groups.Count < parts)
            {
                groups.Add([]);
                filled = 0;
            }

            groups[^1].Add(file);
            filled += file.File.Content.Length;
        }

        return groups;
    }

    private static void WriteGroup(List<FileExtent> files, SafeFileHandle output, Func<FileExtent, byte[]?> patchedContent)
    {
        using var batch = new Batch(output);
        foreach (var file in files)
        {
            long offset = file.Lba * IsoLayout.SectorSize;
            long length = file.File.Content.Length;
            if (length == 0)
            {
                continue;
            }

            if (patchedContent(file) is { } patched)
            {
                batch.Add(offset, patched);
                continue;
            }

            using var stream = file.File.Content.OpenRead();
            batch.Add(offset, stream, length, file.File.Path);
        }
    }

    /// <summary>Collects bytes destined for one contiguous range and writes them with one pwrite.</summary>
    private sealed class Batch(SafeFileHandle output) : IDisposable
    {
        private readonly byte[] buffer = ArrayPool<byte>.Shared.Rent(BatchSize);
        private long start = -1;
        private int used;

        public void Add(long offset, ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > buffer.Length)
            {
                Flush();
                RandomAccess.Write(output, bytes, offset);
                return;
            }

            Reserve(offset, bytes.Length);
            bytes.CopyTo(buffer.AsSpan(used));
            used += bytes.Length;
        }

        public void Add(long offset, Stream source, long length, string name)
        {
            long done = 0;
            while (done < length)
            {
                int chunk = (int)Math.Min(length - done, buffer.Length);
                Reserve(offset + done, chunk);
                source.ReadExactly(buffer.AsSpan(used, chunk));
                used += chunk;
                done += chunk;
            }

            if (source.ReadByte() != -1)
            {
                throw new IOException($"{name}: source is longer than the {length} bytes collected (did it change?)");
            }
        }

        public void Flush()
        {
            if (used > 0)
            {
                RandomAccess.Write(output, buffer.AsSpan(0, used), start);
            }

            start = -1;
            used = 0;
        }

        public void Dispose()
        {
            Flush();
            ArrayPool<byte>.Shared.Return(buffer);
        }

        /// <summary>Makes room for <paramref name="count"/> bytes at <paramref name="offset"/>; sector padding between extents is zero-filled so a batch stays one write.</summary>
        private void Reserve(long offset, int count)
        {
            if (start >= 0)
            {
                long gap = offset - (start + used);
                if (gap < 0 || gap >= IsoLayout.SectorSize || used + gap + count > buffer.Length)
                {
                    Flush();
                }
                else if (gap > 0)
                {
                    buffer.AsSpan(used, (int)gap).Clear();
                    used += (int)gap;
                }
            }

            if (start < 0)
            {
                start = offset;
            }
        }
    }
}
