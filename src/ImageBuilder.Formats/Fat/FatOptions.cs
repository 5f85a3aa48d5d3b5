namespace ImageBuilder.Formats.Fat;

public enum FatType
{
    Fat12 = 12,
    Fat16 = 16,
    Fat32 = 32,
}

/// <summary>
/// <paramref name="SizeBytes"/> null sizes the volume to its content plus <paramref name="SlackBytes"/>.
/// The serial and every timestamp are given, never read from the clock.
/// </summary>
public sealed record FatOptions(string VolumeLabel, uint VolumeSerial, long Epoch, long? SizeBytes = null, long SlackBytes = 256 * 1024)
{
    public DateTime Time => DateTimeOffset.FromUnixTimeSeconds(Epoch).UtcDateTime;
}
