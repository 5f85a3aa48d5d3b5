namespace Hv.Kernel.Inspection;

/// <summary>The first bytes of a file, where the headers the inspectors read live.</summary>
internal static class FileHead
{
    public const int DefaultLength = 4096;

    public static byte[] Read(string path, int length = DefaultLength)
    {
        var head = new byte[length];
        using var file = File.OpenRead(path);
        int read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return head[..read];
    }
}
