using System.Globalization;
using System.Text;

namespace ImageBuilder.Formats.Iso9660;

/// <summary>ECMA-119 date encodings; always UTC and always derived from the build epoch, never the clock.</summary>
internal static class IsoDate
{
    public const int ShortLength = 7;
    public const int LongLength = 17;

    /// <summary>9.1.5: seven bytes, years since 1900, offset from GMT in 15-minute units.</summary>
    public static void WriteShort(Span<byte> destination, DateTimeOffset time)
    {
        var t = time.UtcDateTime;
        destination[0] = checked((byte)(t.Year - 1900));
        destination[1] = (byte)t.Month;
        destination[2] = (byte)t.Day;
        destination[3] = (byte)t.Hour;
        destination[4] = (byte)t.Minute;
        destination[5] = (byte)t.Second;
        destination[6] = 0;
    }

    /// <summary>8.4.26.1: "YYYYMMDDHHMMSScc" digits followed by the GMT offset byte.</summary>
    public static void WriteLong(Span<byte> destination, DateTimeOffset? time)
    {
        string digits = time is { } t
            ? t.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "00"
            : "0000000000000000";
        Encoding.ASCII.GetBytes(digits, destination);
        destination[16] = 0;
    }
}
