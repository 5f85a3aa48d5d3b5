using System.Globalization;
using ImageBuilder.Recipes;

namespace ImageBuilder.Cli;

/// <summary>Loads a recipe for a command, printing located diagnostics to stderr when it is not valid.</summary>
internal static class RecipeArguments
{
    public static Recipe? Load(string path)
    {
        long? sourceDateEpoch = null;
        string? sde = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        if (!string.IsNullOrEmpty(sde))
        {
            if (!long.TryParse(sde, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            {
                Console.Error.WriteLine($"error: SOURCE_DATE_EPOCH='{sde}' is not a number of seconds");
                return null;
            }

            sourceDateEpoch = value;
        }

        var result = RecipeLoader.Load(path, sourceDateEpoch);
        foreach (var diagnostic in result.Diagnostics)
        {
            Console.Error.WriteLine(diagnostic.ToString());
        }

        if (!result.Succeeded)
        {
            Console.Error.WriteLine($"{result.Diagnostics.Length} error(s) in {path}; nothing was built");
        }

        return result.Succeeded ? result.Recipe : null;
    }
}
