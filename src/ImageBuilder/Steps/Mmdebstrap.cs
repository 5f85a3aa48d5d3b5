using System.Collections.Immutable;
using ImageBuilder.Common.Processes;
using ImageBuilder.Planning;
using ImageBuilder.Recipes;

namespace ImageBuilder.Steps;

/// <summary>The archive as a package step reads it: the suite, the sources lines and the keyring apt verifies against (by content).</summary>
public sealed record ArchiveSource(string Suite, ImmutableArray<string> Sources, HostInput Keyring)
{
    public static ArchiveSource Of(ArchiveSpec archive)
    {
        ArgumentNullException.ThrowIfNull(archive);
        return new ArchiveSource(archive.Suite, archive.SourceLines(), new HostInput(archive.Keyring));
    }
}

/// <summary>The mmdebstrap invocation both package steps use: the recipe's archive, keyring and retries, verbose into the log.</summary>
internal static class Mmdebstrap
{
    public static ProcessSpec Command(ArchiveSource archive, string variant, IEnumerable<string> packages, string root, IEnumerable<string> options, string logFile)
    {
        List<string> arguments =
        [
            "--variant=" + variant,
            "--include=" + string.Join(',', packages),
            "--keyring=" + archive.Keyring.Path,
            "--aptopt=Acquire::Retries \"3\"",
            "--verbose",
            .. options,
            archive.Suite,
            root,
        ];
        return ProcessSpec.Of("mmdebstrap", arguments)
            .WithArguments(archive.Sources)
            .LoggingTo(logFile) with
        {
            Hint = "check that the mirror is reachable and the package names exist in the suite (apt-cache policy NAME)",
        };
    }
}
