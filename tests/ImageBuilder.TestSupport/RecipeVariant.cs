namespace ImageBuilder.TestSupport;

/// <summary>Writes a copy of a recipe with text replaced, into a test folder; relative overlay paths keep working.</summary>
public static class RecipeVariant
{
    public static string Write(TempDirectory dir, string recipe, string fileName, params (string From, string To)[] replacements)
    {
        ArgumentNullException.ThrowIfNull(dir);
        string text = File.ReadAllText(recipe);
        foreach (var (from, to) in replacements)
        {
            if (!text.Contains(from, StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{from}' is not in {recipe}", nameof(replacements));
            }

            text = text.Replace(from, to, StringComparison.Ordinal);
        }

        string overlays = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(recipe))!, "../overlays/");
        text = text.Replace("../overlays/", Path.GetFullPath(overlays), StringComparison.Ordinal);
        return dir.Write(fileName, text);
    }
}
