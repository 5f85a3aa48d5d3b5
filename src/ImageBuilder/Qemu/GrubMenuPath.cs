using System.Collections.Immutable;
using System.Globalization;

namespace ImageBuilder.Qemu;

/// <summary>
/// An entry of GRUB's menu by position, as GRUB's default variable names one: "2" is the third entry, "3>1" the second
/// entry of the submenu at position 3. Chosen by pressing keys on the serial console, as a person at the menu would.
/// </summary>
public sealed record GrubMenuPath(ImmutableArray<int> Positions)
{
    /// <summary>What GRUB draws at the top of its menu: the keys go once it is on the console.</summary>
    public const string MenuShown = "GNU GRUB";

    // GRUB's menu moves down on 'v' as on the Down arrow: one byte, where the arrow's escape sequence can be split
    // under UEFI between GRUB's serial terminal and the firmware's own console, which both read the serial port.
    private const string Down = "v";

    public static GrubMenuPath? TryParse(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var positions = ImmutableArray.CreateBuilder<int>();
        foreach (string part in text.Split('>'))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int position) || position > 99)
            {
                error = $"'{text}' is not a menu position such as 2 or 3>1 (positions from 0, a submenu's and then its entry's, joined by '>')";
                return null;
            }

            positions.Add(position);
        }

        error = null;
        return new GrubMenuPath(positions.ToImmutable());
    }

    /// <summary>The keys for each menu level in turn: Down as often as the position, then Enter.</summary>
    public IEnumerable<IReadOnlyList<string>> Keystrokes => Positions.Select(p => (IReadOnlyList<string>)[.. Enumerable.Repeat(Down, p), "\r"]);

    public override string ToString() => string.Join('>', Positions);
}
