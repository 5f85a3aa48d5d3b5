using ImageBuilder.Common.Processes;

namespace ImageBuilder.TestSupport;

/// <summary>Runs the real `imagebuilder` program (the built imagebuilder.dll) as a separate process.</summary>
public static class ImageBuilderCli
{
    public static ProcessResult Run(params string[] arguments) => Run(null, arguments);

    public static ProcessResult Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        string dll = System.IO.Path.Combine(AppContext.BaseDirectory, "imagebuilder.dll");
        var spec = ProcessSpec.Of("dotnet", [dll, .. arguments]).In(Repository.Root).WithEnvironment("CI", "true")
            .WithEnvironment("PATH", Environment.GetEnvironmentVariable("PATH") ?? ProcessRunner.ToolPath); // the dotnet running these tests
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            spec = spec.WithEnvironment(name, value);
        }

        return ProcessRunner.RunUncheckedAsync(spec).GetAwaiter().GetResult();
    }
}
