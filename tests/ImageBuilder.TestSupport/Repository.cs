namespace ImageBuilder.TestSupport;

/// <summary>Paths in the source tree, found from the test's output folder.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => System.IO.Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ImageBuilder.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ImageBuilder.sln not found above " + AppContext.BaseDirectory);
    }
}
