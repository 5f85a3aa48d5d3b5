using ImageBuilder.Steps;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Steps;

/// <summary>The image's migration keys, read back by OpenSSH's own ssh-keygen.</summary>
public sealed class MigrationTrustTests
{
    [Fact]
    public void Ssh_keygen_reads_each_private_key_and_derives_the_public_line_and_fingerprint_we_wrote()
    {
        using var dir = new TempDirectory();
        var trust = MigrationTrust.Derive("xen-demo", 1767225600);
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
    public void The_same_recipe_gives_the_same_keys_and_another_name_or_epoch_other_keys()
    {
        var one = MigrationTrust.Derive("xen-demo", 1767225600);
        var again = MigrationTrust.Derive("xen-demo", 1767225600);
        var otherName = MigrationTrust.Derive("xen-lab", 1767225600);
        var otherEpoch = MigrationTrust.Derive("xen-demo", 1767225601);

        Assert.Equal(MigrationTrust.PrivatePem(one.Client), MigrationTrust.PrivatePem(again.Client));
        Assert.Equal(MigrationTrust.PrivatePem(one.Host), MigrationTrust.PrivatePem(again.Host));
        string[] fingerprints = [.. new[] { one.Client, one.Host, otherName.Client, otherName.Host, otherEpoch.Client, otherEpoch.Host }.Select(MigrationTrust.Fingerprint)];
        Assert.Equal(fingerprints.Length, fingerprints.Distinct().Count());
    }
}
