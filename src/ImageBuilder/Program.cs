using System.CommandLine;
using ImageBuilder.Cli;
using ImageBuilder.Common;

namespace ImageBuilder;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = Commands.Root();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine($"error: {error.Message}");
            }

            Console.Error.WriteLine("see: imagebuilder --help");
            return ExitCodes.UsageOrRecipe;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (ImageBuilderException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            if (e.Hint is not null)
            {
                Console.Error.WriteLine($"hint: {e.Hint}");
            }

            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("error: cancelled");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or InvalidOperationException or ArgumentException)
        {
            // Not a recipe mistake and not a known failure: say what happened, keep the trace for developers.
            Console.Error.WriteLine($"error: {e.Message}");
            if (Environment.GetEnvironmentVariable("IMAGEBUILDER_DEBUG") is { Length: > 0 })
            {
                Console.Error.WriteLine(e);
            }

            return ExitCodes.Failure;
        }
    }
}
