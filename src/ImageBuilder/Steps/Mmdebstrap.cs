using ImageBuilder.Common.Processes;
using ImageBuilder.Recipes;

namespace ImageBuilder.Steps;

/// <summary>The mmdebstrap invocation both package steps use: the recipe's archive, keyring and retries, verbose into the log.</summary>
internal static class Mmdebstrap
{
    public static ProcessSpec Command(ArchiveSpec archive, string variant, IEnumerable<string> packages, string root, IEnumerable<string> options, string logFile)
    {
        List<string> arguments =
        [
            "--variant=" + variant,
            "--include=" + string.Join(',', packages),
            "--keyring=" + archive.Keyring,
            "--aptopt=Acquire::Retries \"3\"",
            "--verbose",
            .. options,
            archive.Suite,
            root,
        ];
        return ProcessSpec.Of("mmdebstrap", arguments)
            .WithArguments(archive.SourceLines())
            .LoggingTo(logFile) with
        {
            Hint = "check that the mirror is reachable and the package names exist in the suite (apt-cache policy NAME)",
        };
    }
}
