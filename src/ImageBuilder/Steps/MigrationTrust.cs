using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ImageBuilder.Steps;

/// <summary>
/// The keys hosts booted from one image trust each other with for live migration: a client key the sender's ssh
/// offers (accepted on a peer only for the forced command that receives a migration) and a host key every host of
/// the image presents, pinned in the sender's known_hosts so that a guest is sent only to a host of this image. Both
/// are ECDSA P-256 keys derived from a secret made once beside the recipe (<see cref="MigrationSecret"/>) with the
/// recipe's name and epoch, so a rebuild gives the same image bytes while nobody without the secret or an image can
/// make the keys (see README's threat model).
/// </summary>
public sealed class MigrationTrust
{
    public const string Algorithm = "ecdsa-sha2-nistp256";

    /// <summary>The order of P-256's group (FIPS 186-4, D.1.2.3): a private key is 1 to n-1.</summary>
    private static readonly byte[] GroupOrder = Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");

    private MigrationTrust(ECParameters client, ECParameters host)
    {
        Client = client;
        Host = host;
    }

    public ECParameters Client { get; }

    public ECParameters Host { get; }

    public static MigrationTrust Derive(ReadOnlySpan<byte> secret, string recipeName, long epoch)
    {
        ArgumentNullException.ThrowIfNull(recipeName);
        if (secret.Length < MigrationSecret.Bytes)
        {
            throw new ArgumentException($"a migration secret has {MigrationSecret.Bytes} bytes or more", nameof(secret));
        }

        string seed = string.Create(CultureInfo.InvariantCulture, $"imagebuilder live-migration keys, v1\n{recipeName}\n{epoch}");
        return new MigrationTrust(DeriveKey(secret, seed + "\nclient"), DeriveKey(secret, seed + "\nhost"));
    }

    /// <summary>The private key as OpenSSH reads it (PEM, "EC PRIVATE KEY").</summary>
    public static string PrivatePem(ECParameters key)
    {
        using var ecdsa = ECDsa.Create(key);
        return ecdsa.ExportECPrivateKeyPem() + "\n";
    }

    /// <summary>The public key line of authorized_keys and known_hosts: ALGORITHM BASE64 (RFC 5656, section 3.1).</summary>
    public static string PublicLine(ECParameters key) => $"{Algorithm} {Convert.ToBase64String(PublicBlob(key))}";

    /// <summary>The fingerprint ssh-keygen -l shows: SHA256: and the unpadded base64 of the public blob's SHA-256.</summary>
    public static string Fingerprint(ECParameters key) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(PublicBlob(key))).TrimEnd('=');

    private static byte[] PublicBlob(ECParameters key)
    {
        var point = new byte[1 + key.Q.X!.Length + key.Q.Y!.Length];
        point[0] = 4; // uncompressed (SEC 1, 2.3.3)
        key.Q.X.CopyTo(point, 1);
        key.Q.Y.CopyTo(point, 1 + key.Q.X.Length);
        using var blob = new MemoryStream();
        WriteString(blob, Encoding.ASCII.GetBytes(Algorithm));
        WriteString(blob, "nistp256"u8);
        WriteString(blob, point);
        return blob.ToArray();
    }

    private static void WriteString(Stream stream, ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)value.Length);
        stream.Write(length);
        stream.Write(value);
    }

    /// <summary>HMAC-SHA256 (keyed with the secret) of the seed as the private scalar, counted on until it lies in 1..n-1; the public point from it.</summary>
    private static ECParameters DeriveKey(ReadOnlySpan<byte> secret, string seed)
    {
        for (int counter = 0; ; counter++)
        {
            byte[] scalar = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{seed}\n{counter}")));
            if (scalar.All(b => b == 0) || scalar.AsSpan().SequenceCompareTo(GroupOrder) >= 0)
            {
                continue;
            }

            using var ecdsa = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = scalar });
            return ecdsa.ExportParameters(includePrivateParameters: true);
        }
    }
}

/// <summary>
/// The secret the migration keys of a recipe's images derive from: 32 random bytes made at the first plan or build of
/// the recipe (a step's key holds the secret's digest), in .secrets/NAME.migration-secret beside it (git ignores that
/// folder), read by every later build. A secret of your own (the same for every machine that builds the lab's images)
/// goes there too.
/// </summary>
public static class MigrationSecret
{
    public const int Bytes = 32;

    public static string PathFor(string recipeFile, string recipeName) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(recipeFile))!, ".secrets", recipeName + ".migration-secret");

    /// <summary>Makes the secret when it is not there yet (written whole under a temporary name, then renamed, 0600).</summary>
    public static void Ensure(string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        string folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var file = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        {
            file.Write(RandomNumberGenerator.GetBytes(Bytes));
            file.Flush(flushToDisk: true);
        }

        try
        {
            // Two builds making it at once: the first one's stays, and both read it.
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }
    }
}
