using System.Globalization;

namespace ImageBuilder.Sticks;

/// <summary>Byte counts as a person reads them on a stick's label and in lsblk: binary units, one decimal from GiB up.</summary>
public static class Sizes
{
    public static string Describe(long bytes) => bytes switch
    {
        >= 1L << 40 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 40):0.0} TiB"),
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };

    /// <summary>Decimal megabytes a second, as dd and disk vendors count them.</summary>
    public static string Rate(long bytes, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6 / Math.Max(elapsed.TotalSeconds, 1e-3):0.0} MB/s");
}
