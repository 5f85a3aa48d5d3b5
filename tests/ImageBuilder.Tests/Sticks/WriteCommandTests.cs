using System.Globalization;
using System.Text.RegularExpressions;
using ImageBuilder.Common.Processes;
using ImageBuilder.Sticks;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Sticks;

/// <summary>
/// `imagebuilder write` on loop devices (never a real disk): what it wrote is read back by cmp, what it refuses is
/// refused before anything is written, and a device that fails a write or does not keep it fails the command.
/// </summary>
public sealed partial class WriteCommandTests : IDisposable
{
    private const long ImageBytes = (16 << 20) + (3 * 2048); // not a whole number of the writer's chunks
    private readonly TempDirectory dir = new("ib-write");
    private readonly List<string> loops = [];
    private readonly List<string> mounts = [];
    private readonly string image;
    private readonly string imageSha256;

    public WriteCommandTests()
    {
        var bytes = new byte[ImageBytes];
        new Random(20261208).NextBytes(bytes);
        image = dir.Write("image.iso", bytes);
        string sum = Tool.RunIn(dir.Path, "sha256sum", "image.iso");
        File.WriteAllText(image + ".sha256", sum);
        imageSha256 = sum[..64];
    }

    [Fact]
    public void Two_devices_are_written_at_once_and_each_reads_back_as_the_image()
    {
        string first = Loop(32 << 20), second = Loop(32 << 20);

        var result = Write(first, second, "--allow-fixed", "--yes");

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        foreach (string device in (string[])[first, second])
        {
            Assert.Equal(0, Compare(device).ExitCode);
            Assert.Matches($@"(?m)^{Regex.Escape(device)}: ok: written in [0-9.]+ s \([0-9.]+ MB/s\), read back in [0-9.]+ s: sha256 {imageSha256} as the image and its \.sha256$", result.StandardOutput);
        }

        Assert.Contains("write ok: 2 device(s)", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsafe_targets_are_refused_each_with_its_reason_and_nothing_is_written_to_any()
    {
        string good = Loop(32 << 20);
        string mounted = Loop(32 << 20);
        Tool.Run("mkfs.ext4", "-q", mounted);
        string mountPoint = dir.Combine("mounted");
        Directory.CreateDirectory(mountPoint);
        Mount(mounted, mountPoint);
        string partitioned = Loop(32 << 20, "label: dos\n,16M\n");
        string small = Loop(8 << 20);
        string file = dir.Write("not-a-device", "x");

        var result = Write(good, mounted, partitioned + "p1", small, file, good, "--allow-fixed", "--yes");

        Assert.True(result.ExitCode == 2, result.StandardOutput + result.StandardError);
        string said = result.StandardError;
        Assert.Contains($"refused: {mounted} is in use: {mounted} is mounted at {mountPoint}", said, StringComparison.Ordinal);
        Assert.Contains($"refused: {partitioned}p1 is a partition of {partitioned}: give the whole device", said, StringComparison.Ordinal);
        Assert.Contains($"refused: {small} holds 8 MiB; the image needs 16 MiB", said, StringComparison.Ordinal);
        Assert.Contains($"refused: {file}: not a block device", said, StringComparison.Ordinal); // lsblk's own words
        Assert.Contains($"refused: {good} is the same device as {good}", said, StringComparison.Ordinal);
        Assert.Contains("error: nothing written (5 of 6 devices refused)", said, StringComparison.Ordinal);
        Assert.True(IsZero(good), $"{good} was written although the command refused");
        Assert.Contains("ext4", Tool.Run("blkid", "-o", "value", "-s", "TYPE", mounted), StringComparison.Ordinal);
    }

    [Fact]
    public void A_fixed_disk_needs_allow_fixed_and_a_write_needs_a_yes()
    {
        string device = Loop(32 << 20);

        var fixedDisk = Write(device, "--yes");
        var unconfirmed = Write(device, "--allow-fixed");

        Assert.Equal(2, fixedDisk.ExitCode);
        Assert.Contains($"refused: {device} is a fixed disk (neither removable nor on USB); give --allow-fixed if it is the one you mean", fixedDisk.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, unconfirmed.ExitCode);
        Assert.Contains("error: not confirmed: nothing written (run it on a terminal to answer, or give --yes)", unconfirmed.StandardError, StringComparison.Ordinal);
        Assert.True(IsZero(device));
    }

    /// <summary>A loop device over a file on a full file system: the kernel fails its writes (EIO) when they reach it.</summary>
    [Fact]
    public void A_device_that_fails_writes_fails_the_command_and_the_other_device_is_still_written()
    {
        string full = dir.Combine("full");
        Directory.CreateDirectory(full);
        Mount("tmpfs", full, "-t", "tmpfs", "-o", "size=4m");
        string failing = LoopOver(Path.Combine(full, "backing"), 32 << 20);
        string good = Loop(32 << 20);

        var result = Write(failing, good, "--allow-fixed", "--yes");

        Assert.True(result.ExitCode == 1, result.StandardOutput + result.StandardError);
        Assert.Matches($@"(?m)^{Regex.Escape(failing)}: FAILED: .*(Input/output error|No space left)", result.StandardOutput);
        Assert.Matches($@"(?m)^{Regex.Escape(good)}: ok: ", result.StandardOutput);
        Assert.Contains("write failed: 1 of 2 device(s)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, Compare(good).ExitCode);
    }

    /// <summary>
    /// The device's backing file changed after the flush (the test hook): the read-back must read the device again, not
    /// the blocks still cached from the write, and find what cmp finds.
    /// </summary>
    [Fact]
    public void A_device_that_does_not_keep_the_write_fails_the_read_back_where_cmp_sees_the_difference()
    {
        string backing = dir.Combine("backing");
        string device = LoopOver(backing, 32 << 20);
        const long Corrupted = (5 << 20) + 7;

        var result = ImageBuilderCli.Run(new Dictionary<string, string> { [DeviceWriter.CorruptBeforeReadBack] = $"{backing}:{Corrupted}" }, "write", image, device, "--allow-fixed", "--yes");

        Assert.True(result.ExitCode == 1, result.StandardOutput + result.StandardError);
        Assert.Contains($"{device}: FAILED: read back: the device differs from the image at byte {Corrupted} ", result.StandardOutput, StringComparison.Ordinal);
        var cmp = Compare(device);
        Assert.Equal(1, cmp.ExitCode);
        Assert.Contains($"differ: byte {Corrupted + 1},", cmp.StandardOutput, StringComparison.Ordinal); // cmp counts from 1
    }

    public void Dispose()
    {
        foreach (string mount in Enumerable.Reverse(mounts))
        {
            Tool.RunUnchecked("umount", mount);
        }

        foreach (string loop in loops)
        {
            Tool.RunUnchecked("losetup", "-d", loop);
        }

        dir.Dispose();
    }

    private ProcessResult Write(params string[] arguments) => ImageBuilderCli.Run(["write", image, .. arguments]);

    private ProcessResult Compare(string device) => Tool.RunUnchecked("cmp", "-n", ImageBytes.ToString(CultureInfo.InvariantCulture), image, device);

    private static bool IsZero(string device) => Tool.RunUnchecked("cmp", "-n", ImageBytes.ToString(CultureInfo.InvariantCulture), "/dev/zero", device).ExitCode == 0;

    /// <summary>A loop device over a new sparse file of <paramref name="bytes"/>, with a partition table (sfdisk script) when given.</summary>
    private string Loop(long bytes, string? partitions = null)
    {
        string backing = dir.Combine($"backing-{loops.Count}");
        if (partitions is null)
        {
            return LoopOver(backing, bytes);
        }

        using (var file = File.Create(backing))
        {
            file.SetLength(bytes);
        }

        ProcessRunner.Run(ProcessSpec.Of("sfdisk", "-q", backing) with { StandardInputFile = dir.Write($"{Path.GetFileName(backing)}.sfdisk", partitions) });
        string device = Tool.Run("losetup", "--find", "--show", "--partscan", backing).Trim();
        loops.Add(device);
        for (int i = 0; i < 50 && !File.Exists(device + "p1"); i++)
        {
            // Some kernels leave --partscan's scan to a later open: partx asks for the partitions now.
            Tool.RunUnchecked("partx", "--add", device);
            Thread.Sleep(100);
        }

        return device;
    }

    private string LoopOver(string backing, long bytes)
    {
        using (var file = File.Create(backing))
        {
            file.SetLength(bytes);
        }

        string device = Tool.Run("losetup", "--find", "--show", backing).Trim();
        loops.Add(device);
        return device;
    }

    private void Mount(string source, string target, params string[] options)
    {
        Tool.Run("mount", [.. options, source, target]);
        mounts.Add(target);
    }
}
