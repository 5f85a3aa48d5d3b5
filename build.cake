// ImageBuilder's own build. Targets: Default (build), Test (everything), Demo (build and boot the demo image).
// Run through ./build.sh, which restores this Cake tool first.
using System.Xml.Linq;

var target = Argument("target", "Default");
var configuration = Argument("configuration", "Release");
var solution = "./ImageBuilder.sln";
var resultsDirectory = MakeAbsolute(Directory("./TestResults"));
var cli = $"./src/ImageBuilder/bin/{configuration}/net10.0/imagebuilder.dll";

Task("HostPackages")
    .Description("Installs the Debian packages in build/host-packages.txt (apt-get, as root).")
    .Does(() =>
{
    var wanted = System.IO.File.ReadAllLines("build/host-packages.txt")
        .Select(l => l.Trim())
        .Where(l => l.Length > 0 && !l.StartsWith("#"))
        .ToArray();
    var missing = wanted.Where(p => !IsInstalled(p)).ToArray();
    if (missing.Length == 0)
    {
        Information("host packages: all {0} present", wanted.Length);
        return;
    }

    if (Environment.UserName != "root")
    {
        throw new Exception($"missing host packages: {string.Join(" ", missing)}\nrun as root, or: sudo apt-get install {string.Join(" ", missing)}");
    }

    Information("installing host packages: {0}", string.Join(" ", missing));
    var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
    Run("apt-get", "update -q", env);
    Run("apt-get", "install -y -q --no-install-recommends " + string.Join(" ", missing), env);
});

Task("Restore")
    .Does(() => DotNetRestore(solution));

Task("Build")
    .IsDependentOn("Restore")
    .Does(() => DotNetBuild(solution, new DotNetBuildSettings { Configuration = configuration, NoRestore = true }));

Task("Test")
    .Description("The whole suite: format tests against independent readers, recipe and pipeline tests, QEMU boots.")
    .IsDependentOn("HostPackages")
    .IsDependentOn("Build")
    .Does(() =>
{
    CleanDirectory(resultsDirectory);
    // Two lanes at once. The QEMU boots use about one of the two cores (a TCG guest's idle vCPUs sleep); the tests
    // tagged [Trait("Lane", "Build")] (builds that boot nothing: the determinism test's cold build of the whole demo, the
    // compiled Xen stack, which the boots' own lane then finds in the shared cache, the build-safety tests) and the other test
    // projects run beside them at the lowest CPU and I/O priority, on what the boots leave. The boot tests stay one
    // at a time (their xunit collection, in the order of QemuClassOrder, which has the build lane make each image before
    // the boot lane needs it), in the first lane, whose build-only tests keep their normal priority.
    var projects = GetFiles("./tests/**/*.Tests.csproj").OrderBy(p => p.FullPath, StringComparer.Ordinal).ToList();
    var main = projects.Single(p => p.GetFilenameWithoutExtension().ToString() == "ImageBuilder.Tests");
    var buildLane = projects.Where(p => p != main).Select(p => (Project: p, Filter: (string)null, Name: p.GetFilenameWithoutExtension().ToString()))
        .Append((Project: main, Filter: "Lane=Build", Name: "ImageBuilder.Tests-build"))
        .Select(run => (run.Project, run.Filter, run.Name, Yielding: true));
    var bootLane = new[] { (Project: main, Filter: "Lane!=Build", Name: "ImageBuilder.Tests", Yielding: false) };
    // The demo's PVH and HVM guests boot on a quiet machine: QEMU's emulated AMD-V triple-faults them now and then, and
    // a build beside them adds to it (README). The build lane leaves this file when it is done; the demo's boot waits for it.
    var buildLaneDone = resultsDirectory.CombineWithFilePath("build-lane.done");
    var environment = new Dictionary<string, string> { ["IMAGEBUILDER_TEST_QUIET_AFTER"] = buildLaneDone.FullPath };
    var lanes = new[] { (Runs: bootLane, Done: (FilePath)null), (Runs: buildLane.ToArray(), Done: buildLaneDone) }
        .Select(lane => System.Threading.Tasks.Task.Run(() =>
        {
            try
            {
                return lane.Runs.Count(run => !RunTests(run.Project, run.Filter, run.Name, run.Yielding, environment));
            }
            finally
            {
                if (lane.Done != null)
                {
                    System.IO.File.WriteAllText(lane.Done.FullPath, string.Empty);
                }
            }
        }))
        .ToArray();
    System.Threading.Tasks.Task.WaitAll(lanes);
    var failed = lanes.Sum(lane => lane.Result) > 0;

    var (passed, failures, skipped) = CountResults(resultsDirectory);
    // The plain closing line CI reads: no colour, alone on its line.
    Console.WriteLine($"{passed} passed, {failures} failed, {skipped} skipped");
    if (failed || failures > 0 || passed == 0)
    {
        throw new Exception("tests failed");
    }
});

Task("Demo")
    .Description("Builds recipes/xen-demo.yaml into out/xen-demo.iso and boots it in QEMU until the guests run and the demo is done.")
    .IsDependentOn("HostPackages")
    .IsDependentOn("Build")
    .Does(() =>
{
    Run("dotnet", $"{cli} build recipes/xen-demo.yaml --output out --cache cache");
    // The demo's promise: a PV, a PVH and an HVM guest running at once, the HVM guest saved, restored and migrated.
    Run("dotnet", $"{cli} boot out/xen-demo.iso --firmware bios --media cd --timeout 1800 --timeline --fail-on IMAGEBUILDER-DEMO-FAILED --expect \"IMAGEBUILDER-DOM0-READY xen=4.17.\" --expect \"IMAGEBUILDER-DOMU-READY name=tiny guest_type=PV\" --expect \"IMAGEBUILDER-DOMU-READY name=debian guest_type=PV\" --expect \"IMAGEBUILDER-DOMU-READY name=tiny-pvh guest_type=PVH\" --expect \"IMAGEBUILDER-DOMU-READY name=hvm guest_type=HVM\" --expect \"demo: live migration of hvm took\" --expect \"downtime seen by the guest\" --expect IMAGEBUILDER-DEMO-DONE");
    Information("out/xen-demo.iso boots; try it yourself: qemu-system-x86_64 -accel tcg -cpu qemu64,+svm,+npt -m 2048 -smp 2 -cdrom out/xen-demo.iso -nographic");
});

Task("Default").IsDependentOn("Build");

RunTarget(target);

/// <returns>Whether dotnet test exited 0; its results go to TestResults/NAME.trx. A yielding run gets what CPU
/// and disk time the other lane leaves (nice 19, best-effort I/O class at its lowest level), children included.</returns>
bool RunTests(FilePath project, string filter, string name, bool yielding, IDictionary<string, string> environment)
{
    var arguments = new ProcessArgumentBuilder();
    foreach (var word in yielding ? new[] { "-n", "19", "ionice", "-c", "2", "-n", "7", "dotnet" } : Array.Empty<string>())
    {
        arguments.Append(word);
    }

    // dotnet test in its Microsoft Testing Platform mode (global.json): the project runs as its own test
    // executable; xunit.v3 writes the TRX report and takes the trait filter in VSTest's syntax.
    arguments.Append("test").Append("--project").AppendQuoted(project.FullPath)
        .Append("--configuration").Append(configuration)
        .Append("--no-build").Append("--no-restore")
        .Append("--results-directory").AppendQuoted(resultsDirectory.FullPath)
        .Append("--report-xunit-trx").Append("--report-xunit-trx-filename").AppendQuoted($"{name}.trx")
        .Append("--output").Append("Detailed").Append("--no-progress");
    if (filter != null)
    {
        arguments.Append("--filter").AppendQuoted(filter);
    }

    var program = yielding ? "nice" : "dotnet";
    int code = StartProcess(program, new ProcessSettings { Arguments = arguments, EnvironmentVariables = environment });
    if (code != 0)
    {
        Error("{0}: dotnet test exited with {1}", name, code);
    }

    return code == 0;
}

bool IsInstalled(string package)
{
    var settings = new ProcessSettings { Arguments = $"-W -f=${{Status}} {package}", RedirectStandardOutput = true, RedirectStandardError = true };
    using var process = StartAndReturnProcess("dpkg-query", settings);
    process.WaitForExit();
    return process.GetExitCode() == 0 && process.GetStandardOutput().Any(l => l.Contains("install ok installed"));
}

void Run(string program, string arguments, IDictionary<string, string> environment = null)
{
    var settings = new ProcessSettings { Arguments = arguments, EnvironmentVariables = environment };
    int code = StartProcess(program, settings);
    if (code != 0)
    {
        throw new Exception($"{program} {arguments} exited with {code}");
    }
}

(int Passed, int Failed, int Skipped) CountResults(DirectoryPath directory)
{
    int passed = 0, failedCount = 0, skipped = 0;
    foreach (var trx in GetFiles(directory.FullPath + "/*.trx"))
    {
        var counters = XDocument.Load(trx.FullPath).Descendants().First(e => e.Name.LocalName == "Counters");
        passed += (int)counters.Attribute("passed");
        failedCount += (int)counters.Attribute("failed") + (int)counters.Attribute("error") + (int)counters.Attribute("timeout");
        skipped += (int)counters.Attribute("notExecuted");
    }

    return (passed, failedCount, skipped);
}
