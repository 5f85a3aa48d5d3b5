using ImageBuilder.Steps;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Steps;

/// <summary>The image's migration keys, read back by OpenSSH's own ssh-keygen.</summary>
public sealed class MigrationTrustTests
{
    private static readonly byte[] Secret = [.. Enumerable.Range(1, MigrationSecret.Bytes).Select(i => (byte)i)];

    [Fact]
    public void Ssh_keygen_reads_each_private_key_and_derives_the_public_line_and_fingerprint_we_wrote()
    {
        using var dir = new TempDirectory();
        var trust = MigrationTrust.Derive(Secret, "xen-demo", 1767225600);
        foreach (var key in new[] { trust.Client, trust.Host })
        {
            string file = dir.Combine($"key-{Guid.NewGuid():N}");
            File.WriteAllText(file, MigrationTrust.PrivatePem(key));
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);

            string derived = Tool.Run("ssh-keygen", "-y", "-f", file).Trim();
            Assert.Equal(MigrationTrust.PublicLine(key), derived);

            File.WriteAllText(file + ".pub", derived + " test\n");
            string listed = Tool.Run("ssh-keygen", "-l", "-E", "sha256", "-f", file + ".pub");
            Assert.Equal(["256", MigrationTrust.Fingerprint(key), "test", "(ECDSA)"], listed.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
    }

    [Fact]
    public void The_same_secret_and_recipe_give_the_same_keys_and_another_secret_name_or_epoch_other_keys()
    {
        var one = MigrationTrust.Derive(Secret, "xen-demo", 1767225600);
        var again = MigrationTrust.Derive(Secret, "xen-demo", 1767225600);
        var otherName = MigrationTrust.Derive(Secret, "xen-lab", 1767225600);
        var otherEpoch = MigrationTrust.Derive(Secret, "xen-demo", 1767225601);
        var otherSecret = MigrationTrust.Derive([.. Secret.Reverse()], "xen-demo", 1767225600);

        Assert.Equal(MigrationTrust.PrivatePem(one.Client), MigrationTrust.PrivatePem(again.Client));
        Assert.Equal(MigrationTrust.PrivatePem(one.Host), MigrationTrust.PrivatePem(again.Host));
        string[] fingerprints = [.. new[] { one.Client, one.Host, otherName.Client, otherName.Host, otherEpoch.Client, otherEpoch.Host, otherSecret.Client, otherSecret.Host }.Select(MigrationTrust.Fingerprint)];
        Assert.Equal(fingerprints.Length, fingerprints.Distinct().Count());
    }
}

/// <summary>The secret beside a recipe: made once, 0600 in a 0700 folder, then only read.</summary>
public sealed class MigrationSecretTests
{
    [Fact]
    public void The_first_build_makes_the_secret_private_and_later_builds_keep_it()
    {
        using var dir = new TempDirectory();
        string path = MigrationSecret.PathFor(dir.Combine("recipe.yaml"), "xen-demo");

        MigrationSecret.Ensure(path);
        byte[] first = File.ReadAllBytes(path);
        MigrationSecret.Ensure(path);

        Assert.Equal(dir.Combine(".secrets", "xen-demo.migration-secret"), path);
        Assert.Equal(MigrationSecret.Bytes, first.Length);
        Assert.Equal(first, File.ReadAllBytes(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }
}
