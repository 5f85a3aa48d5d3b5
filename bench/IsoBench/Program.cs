using System.Diagnostics;
using System.Globalization;
using ImageBuilder.Common.Processes;
using ImageBuilder.Formats.Iso9660;
using ImageBuilder.Formats.Trees;

// ISO writer benchmark: the same generated tree written by our writer, by xorriso -as mkisofs -R -J, and by
// tar, several runs each with the page cache warm; prints medians and the ratios ours/xorriso and ours/tar.
// Usage: dotnet run -c Release --project bench/IsoBench -- [--size-mb 1000] [--runs 5] [--work DIR]
var options = BenchOptions.Parse(args);
string data = Path.Combine(options.Work, "data");
string results = Path.Combine(options.Work, "results");
Directory.CreateDirectory(results);
var (files, bytes) = Dataset.Ensure(data, options.SizeMb);
Console.WriteLine($"tree: {files} files, {bytes / 1e6:0} MB in {data}");

var contenders = new (string Name, Action Run)[]
{
    ("ours", () => Ours(data, Path.Combine(results, "ours.iso"))),
    ("xorriso", () => Run("xorriso", "-as", "mkisofs", "-quiet", "-R", "-J", "-o", Path.Combine(results, "xorriso.iso"), data)),
    ("tar", () => Run("tar", "-cf", Path.Combine(results, "tar.tar"), "-C", data, ".")),
};

// One untimed round warms the page cache for every contender alike.
foreach (var (_, run) in contenders)
{
    run();
}

var medians = new Dictionary<string, double>();
foreach (var (name, run) in contenders)
{
    var times = new List<double>();
    for (int i = 0; i < options.Runs; i++)
    {
        foreach (string old in Directory.GetFiles(results))
        {
            File.Delete(old);
        }

        var watch = Stopwatch.StartNew();
        run();
        times.Add(watch.Elapsed.TotalSeconds);
    }

    times.Sort();
    medians[name] = times[times.Count / 2];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-8} median {medians[name]:0.000} s  runs: {string.Join(' ', times.Select(t => t.ToString("0.000", CultureInfo.InvariantCulture)))}"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio ours/xorriso = {medians["ours"] / medians["xorriso"]:0.00}  (target <= 0.60)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio ours/tar     = {medians["ours"] / medians["tar"]:0.00}  (target <= 1.00)"));

static void Ours(string data, string output)
{
    var watch = Stopwatch.StartNew();
    var tree = FileTree.FromDirectory(data);
    double collect = watch.Elapsed.TotalSeconds;
    var layout = IsoLayout.Compute(tree, new IsoOptions { VolumeId = "BENCH", Epoch = 1700000000 });
    double laid = watch.Elapsed.TotalSeconds;
    using (var stream = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
    {
        IsoWriter.Write(layout, stream);
    }

    if (Environment.GetEnvironmentVariable("ISOBENCH_PHASES") is not null)
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  collect {collect:0.000} layout {laid - collect:0.000} write {watch.Elapsed.TotalSeconds - laid:0.000}"));
    }
}

static void Run(string program, params string[] arguments) => ProcessRunner.Run(ProcessSpec.Of(program, arguments));

internal sealed record BenchOptions(int SizeMb, int Runs, string Work)
{
    public static BenchOptions Parse(string[] args)
    {
        int size = 1000;
        int runs = 5;
        string work = Path.Combine(AppContext.BaseDirectory, "../../../../");
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--size-mb":
                    size = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--runs":
                    runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--work":
                    work = args[i + 1];
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]} (use --size-mb, --runs, --work)");
            }
        }

        return new BenchOptions(size, runs, Path.GetFullPath(work));
    }
}

/// <summary>A deterministic tree: 85% of the bytes in a few large files (kernels, disk images), the rest in thousands of small ones.</summary>
internal static class Dataset
{
    public static (int Files, long Bytes) Ensure(string root, int sizeMb)
    {
        string stamp = Path.Combine(root, ".complete-" + sizeMb.ToString(CultureInfo.InvariantCulture));
        if (!File.Exists(stamp))
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }

            Generate(root, sizeMb * 1_000_000L);
            File.WriteAllText(stamp, string.Empty);
        }

        var all = Directory.GetFiles(root, "*", SearchOption.AllDirectories);
        return (all.Length, all.Sum(f => new FileInfo(f).Length));
    }

    private static void Generate(string root, long total)
    {
        var random = new Random(20261122);
        long large = total * 85 / 100;
        var buffer = new byte[1 << 20];
        for (int i = 0; i < 4; i++)
        {
            string path = Path.Combine(root, "images", $"disk{i}.img");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var file = File.Create(path);
            for (long written = 0; written < large / 4; written += buffer.Length)
            {
                random.NextBytes(buffer);
                file.Write(buffer, 0, (int)Math.Min(buffer.Length, (large / 4) - written));
            }
        }

        long small = total - large;
        for (int i = 0; small > 0; i++)
        {
            int length = random.Next(512, 64 * 1024);
            string path = Path.Combine(root, "usr", $"lib{i % 40:D2}", $"sub{i % 7}", $"file-{i:D5}.so");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = new byte[length];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
            small -= length;
        }
    }
}
