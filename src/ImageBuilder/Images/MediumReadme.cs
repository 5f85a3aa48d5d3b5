using System.Globalization;
using System.Text;
using ImageBuilder.Recipes;

namespace ImageBuilder.Images;

/// <summary>
/// README.txt at the medium's root: the first file a presenter sees when the stick is plugged into another computer,
/// so it says how to boot the medium and, above all, that Secure Boot must be off (GRUB and Xen here are not signed).
/// </summary>
public static class MediumReadme
{
    public const string Path = "README.txt";

    public static string Text(Recipe recipe, Guid mediumId)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        string modes = (recipe.Boot.Bios, recipe.Boot.Uefi) switch
        {
            (true, true) => "legacy BIOS and UEFI mode",
            (true, false) => "legacy BIOS mode only (this recipe builds no UEFI loader)",
            _ => "UEFI mode only (this recipe builds no BIOS loader)",
        };
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{recipe.Name}: a Xen live system built by ImageBuilder (medium id {mediumId:D}).\n\n")
            .Append("BOOTING\n")
            .Append("Write this image whole to a USB stick (the disk, not a partition on it) or burn it to a CD/DVD, then pick\n")
            .Append(CultureInfo.InvariantCulture, $"the stick or disc in the firmware's boot menu. It boots in {modes}.\n\n");
        if (recipe.Boot.Uefi)
        {
            text.Append("SECURE BOOT MUST BE OFF\n")
                .Append("The boot loader and Xen on this medium are not signed. Firmware with Secure Boot on refuses them: QEMU's\n")
                .Append("OVMF says \"Access Denied\" and offers its boot manager; many laptops skip the stick without a word or show\n")
                .Append("a \"Secure Boot violation\". Turn Secure Boot off in the firmware setup for the demo (or boot in legacy BIOS\n")
                .Append("mode, where it does not apply) and turn it on again afterwards.\n");
        }

        return text.ToString();
    }
}
