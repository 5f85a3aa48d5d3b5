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
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,

                // On Ctrl-C or SIGTERM the running steps kill their processes and unmount their build roots before the
                // process ends (the default gives them 2 s).
                ProcessTerminationTimeout = TimeSpan.FromSeconds(60),
            }).ConfigureAwait(false);
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
        catch (AggregateException e) when (e.Flatten().InnerExceptions.All(inner => inner is IOException or UnauthorizedAccessException))
        {
            // Parallel writers (the ISO's extents) report a full disk once per writer.
            Console.Error.WriteLine($"error: {e.Flatten().InnerExceptions[0].Message}");
            DebugTrace(e);
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The file system said no (full disk, permissions, a path that is a file): the message names the path.
            Console.Error.WriteLine($"error: {e.Message}");
            DebugTrace(e);
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            // A mistake of ours, not of the recipe or the machine: one line, and the trace only when asked for.
            Console.Error.WriteLine($"error: internal error: {e.GetType().Name}: {e.Message}");
            if (!DebugTrace(e))
            {
                Console.Error.WriteLine("hint: run again with IMAGEBUILDER_DEBUG=1 for the stack trace, and report it");
            }

            return ExitCodes.Failure;
        }
    }

    private static bool DebugTrace(Exception e)
    {
        if (Environment.GetEnvironmentVariable("IMAGEBUILDER_DEBUG") is { Length: > 0 })
        {
            Console.Error.WriteLine(e);
            return true;
        }

        return false;
    }
}
