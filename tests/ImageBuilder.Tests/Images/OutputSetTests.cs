using System.Security.Cryptography;
using ImageBuilder.Images;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Images;

public sealed class OutputSetTests
{
    [Fact]
    public void Wherever_publishing_stops_a_checksum_or_manifest_beside_the_image_describes_that_image()
    {
        using var dir = new TempDirectory();
        var set = new OutputSet(dir.Path, "demo");
        var operations = set.PublishOperations();

        // A build killed after any number of operations: the files must still pair up (or a companion be missing).
        for (int done = 0; done <= operations.Count; done++)
        {
            foreach (string file in Directory.GetFiles(dir.Path))
            {
                File.Delete(file);
            }

            Publish(set, "old image", complete: true);
            WriteTemporaries(set, "new image");
            foreach (var operation in operations.Take(done))
            {
                operation.Run();
            }

            Assert.True(File.Exists(set.Image), $"after {done} operation(s) there is no image at all");
            string image = Sha256(File.ReadAllText(set.Image));
            if (File.Exists(set.Checksum))
            {
                Assert.Equal($"{image}  demo.iso\n", File.ReadAllText(set.Checksum));
            }

            if (File.Exists(set.Manifest))
            {
                Assert.Equal(image, File.ReadAllText(set.Manifest));
            }
        }

        Assert.Equal("new image", File.ReadAllText(set.Image));
        Assert.True(File.Exists(set.Checksum) && File.Exists(set.Manifest));
    }

    [Fact]
    public async Task A_build_waits_for_another_writing_the_same_name_and_then_clears_its_leftovers()
    {
        using var dir = new TempDirectory();
        var set = new OutputSet(dir.Path, "demo");
        File.WriteAllText(OutputSet.TemporaryOf(set.Image).Replace($"-{Environment.ProcessId}", "-99999", StringComparison.Ordinal), "killed build");
        bool waited = false;

        var first = await set.LockAsync(() => { }, CancellationToken.None);
        var second = set.LockAsync(() => waited = true, CancellationToken.None);
        await Task.Delay(500, cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(second.IsCompleted);
        first.Dispose();
        using (await second)
        {
            Assert.True(waited);
            Assert.Empty(Directory.GetFiles(dir.Path, "demo.iso.tmp-*"));
        }
    }

    private static void Publish(OutputSet set, string image, bool complete)
    {
        WriteTemporaries(set, image);
        if (complete)
        {
            set.Publish();
        }
    }

    private static void WriteTemporaries(OutputSet set, string image)
    {
        string hash = Sha256(image);
        OutputSet.WriteTemporary(set.Image, s => s.Write(System.Text.Encoding.UTF8.GetBytes(image)));
        OutputSet.WriteTemporary(set.Checksum, s => s.Write(System.Text.Encoding.UTF8.GetBytes(set.ChecksumOfTemporaryImage(out _))));
        OutputSet.WriteTemporary(set.Manifest, s => s.Write(System.Text.Encoding.UTF8.GetBytes(hash)));
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
