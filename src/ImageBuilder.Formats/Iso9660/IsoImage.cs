using ImageBuilder.Formats.Trees;

namespace ImageBuilder.Formats.Iso9660;

/// <summary>Convenience: layout + write in one call.</summary>
public static class IsoImage
{
    public static IsoLayout Write(FileTree tree, IsoOptions options, Stream output)
    {
        var layout = IsoLayout.Compute(tree, options);
        IsoWriter.Write(layout, output);
        return layout;
    }
}
