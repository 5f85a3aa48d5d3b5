using ImageBuilder.Common.Processes;

namespace ImageBuilder.TestSupport;

/// <summary>Runs the real `imagebuilder` program (the built imagebuilder.dll) as a separate process.</summary>
public static class ImageBuilderCli
{
    public static ProcessResult Run(params string[] arguments) => Run(null, arguments);

    public static ProcessResult Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        Run(Spec(environment, "dotnet", [Dll, .. arguments]));

    /// <summary>Runs it inside a test's network namespace: its loopback, its interfaces, nothing of the host's network.</summary>
    public static ProcessResult RunIn(NetworkNamespace space, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(space);
        return Run(Spec(null, "ip", ["netns", "exec", space.Name, "dotnet", Dll, .. arguments]));
    }

    private static string Dll => System.IO.Path.Combine(AppContext.BaseDirectory, "imagebuilder.dll");

    private static ProcessSpec Spec(IReadOnlyDictionary<string, string>? environment, string program, string[] arguments)
    {
        var spec = ProcessSpec.Of(program, arguments).In(Repository.Root).WithEnvironment("CI", "true")
            .WithEnvironment("PATH", Environment.GetEnvironmentVariable("PATH") ?? ProcessRunner.ToolPath); // the dotnet running these tests
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            spec = spec.WithEnvironment(name, value);
        }

        return spec;
    }

    private static ProcessResult Run(ProcessSpec spec) => ProcessRunner.RunUncheckedAsync(spec).GetAwaiter().GetResult();
}
