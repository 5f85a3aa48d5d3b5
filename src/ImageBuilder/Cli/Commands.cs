using System.CommandLine;
using ImageBuilder.Common.IO;
using ImageBuilder.Images;
using ImageBuilder.Planning;
using ImageBuilder.Qemu;

namespace ImageBuilder.Cli;

/// <summary>The command-line contract: build, plan, boot (shared/DESIGN.md).</summary>
public static partial class Commands
{
    public static RootCommand Root()
    {
        var root = new RootCommand("ImageBuilder: one YAML recipe to a bootable Xen live image (BIOS/UEFI, CD/USB).")
        {
            Build(),
            PlanCommand(),
            Boot(),
            Test(),
            Schema(),
            Write(),
        };
        return root;
    }

    private static Command Build()
    {
        var recipe = new Argument<string>("recipe") { Description = "the recipe file, e.g. recipes/xen-demo.yaml" };
        var output = new Option<string>("--output") { Description = "folder for NAME.iso and NAME.iso.sha256", DefaultValueFactory = _ => "out" };
        var cache = new Option<string>("--cache") { Description = "folder for cached step outputs", DefaultValueFactory = _ => "cache" };
        var cores = new Option<int>("--cores") { Description = "cores the steps running at once may use together (a compile counts its -j); 1 runs steps one after another", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("build", "Build the image a recipe describes.") { recipe, output, cache, cores };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(cores) < 1)
            {
                Console.Error.WriteLine("error: --cores must be 1 or more");
                return ExitCodes.UsageOrRecipe;
            }

            if (RecipeArguments.Load(parse.GetValue(recipe)!) is not { } loaded)
            {
                return ExitCodes.UsageOrRecipe;
            }

            var reporter = Reporters.ForConsole();
            var build = new ImageBuild(loaded, parse.GetValue(output)!, parse.GetValue(cache)!, reporter) { Cores = parse.GetValue(cores) };
            var result = await reporter.RunAsync(() => build.RunAsync(ct)).ConfigureAwait(false);
            Console.WriteLine($"{result.ImagePath}");
            Console.WriteLine($"sha256 {result.Sha256}  ({result.Bytes} bytes)");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command PlanCommand()
    {
        var recipe = new Argument<string>("recipe") { Description = "the recipe file" };
        var cache = new Option<string>("--cache") { Description = "folder for cached step outputs", DefaultValueFactory = _ => "cache" };
        var command = new Command("plan", "List the steps of a build, their keys and whether each is cached.") { recipe, cache };
        command.SetAction(parse =>
        {
            if (RecipeArguments.Load(parse.GetValue(recipe)!) is not { } loaded)
            {
                return ExitCodes.UsageOrRecipe;
            }

            var stepCache = new StepCache(parse.GetValue(cache)!);
            var plan = new ImageBuild(loaded, "out", stepCache.Root, new PlainReporter()).Plan(new ToolVersions());
            foreach (var step in plan.Steps)
            {
                string state = stepCache.Contains(step.Key) ? "cached" : "to run";
                Console.WriteLine($"{state,-7} {step.Step.Id,-20} {step.Key}  {step.Step.Description}");
            }

            Console.WriteLine($"then    image                {loaded.Name}.iso");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Test()
    {
        var image = new Argument<string>("image") { Description = "the image to test; NAME.manifest.json beside it (written by build) says what its boots must show" };
        var firmware = new Option<Firmware[]>("--firmware") { Description = "boot only with this firmware (repeatable; default: every firmware the recipe builds for)", AllowMultipleArgumentsPerToken = false };
        var media = new Option<BootMedia[]>("--media") { Description = "boot only from this medium (repeatable; default: cd and usb)", AllowMultipleArgumentsPerToken = false };
        var junit = new Option<string?>("--junit") { Description = "write a JUnit XML report to this file" };
        var parallel = new Option<int?>("--parallel") { Description = "boots at once (default: the host's cores divided by --cpus, at least 1)" };
        var timeout = new Option<int>("--timeout") { Description = "seconds each boot may take to show everything", DefaultValueFactory = _ => 900 };
        var memory = new Option<int>("--memory") { Description = "guest memory in MiB", DefaultValueFactory = _ => 2048 };
        var cpus = new Option<int>("--cpus") { Description = "virtual CPUs per boot", DefaultValueFactory = _ => 2 };
        var cpu = new Option<string>("--cpu") { Description = $"QEMU CPU model (default {QemuCommand.DefaultCpu})", DefaultValueFactory = _ => QemuCommand.DefaultCpu };
        var logs = new Option<string>("--logs") { Description = "folder for the serial logs, test-NAME-FIRMWARE-MEDIA.log", DefaultValueFactory = _ => "out" };
        var command = new Command("test", "Boot an image along every firmware and medium and check what its recipe promises (Dom0 ready, each autostart guest ready, the demo done); exit 0 only if every check passed.")
        {
            image, firmware, media, junit, parallel, timeout, memory, cpus, cpu, logs,
        };
        command.SetAction(async (parse, ct) =>
        {
            string path = parse.GetValue(image)!;
            string manifest = BuildManifest.PathFor(path);
            if (!File.Exists(path) || !File.Exists(manifest))
            {
                Console.Error.WriteLine($"error: {(File.Exists(path) ? manifest : path)} not found (imagebuilder build writes NAME.iso and NAME.manifest.json side by side)");
                return ExitCodes.UsageOrRecipe;
            }

            int perBoot = parse.GetValue(cpus);
            int atOnce = parse.GetValue(parallel) ?? Math.Max(1, Environment.ProcessorCount / Math.Max(1, perBoot));
            if (parse.GetValue(timeout) <= 0 || parse.GetValue(memory) is < 128 or > 1 << 20 || perBoot is < 1 or > 64 || atOnce is < 1 or > 64)
            {
                Console.Error.WriteLine("error: --timeout must be positive, --memory 128 to 1048576 MiB, --cpus and --parallel 1 to 64");
                return ExitCodes.UsageOrRecipe;
            }

            if (CheckedCpuModel(parse.GetValue(cpu)) is not { } model)
            {
                return ExitCodes.UsageOrRecipe;
            }

            ImageExpectations expectations;
            try
            {
                expectations = ImageExpectations.FromManifest(manifest);
            }
            catch (ImageBuilder.Common.ImageBuilderException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.UsageOrRecipe;
            }

            var chosen = parse.GetValue(firmware) is { Length: > 0 } only ? expectations.Firmware.Intersect(only) : expectations.Firmware;
            var paths = BootMatrix.Paths(chosen, parse.GetValue(media) is { Length: > 0 } some ? some : [BootMedia.Cd, BootMedia.Usb]);
            if (paths.IsEmpty)
            {
                Console.Error.WriteLine($"error: {expectations.Name} is built for {string.Join(" and ", expectations.Firmware).ToLowerInvariant()} only; --firmware leaves nothing to boot");
                return ExitCodes.UsageOrRecipe;
            }

            var settings = new MatrixSettings(TimeSpan.FromSeconds(parse.GetValue(timeout)), parse.GetValue(memory), perBoot, model, atOnce, parse.GetValue(logs)!);
            Console.WriteLine($"testing {path}: {paths.Length} boot path(s) ({string.Join(", ", paths.Select(p => p.Label))}), {atOnce} at once; checks: {string.Join(", ", expectations.Checks.Select(c => c.Name))}");
            var results = await BootMatrix.RunAsync(path, expectations, paths, settings, PrintPath, ct).ConfigureAwait(false);
            if (parse.GetValue(junit) is { } report)
            {
                JUnitReport.Write(report, path, results);
                Console.WriteLine($"JUnit report: {Path.GetFullPath(report)}");
            }

            int failed = results.Count(r => !r.Passed);
            Console.WriteLine(failed == 0 ? $"test ok: {results.Length} boot path(s), {results.Sum(r => r.Checks.Length)} checks" : $"test failed: {failed} of {results.Length} boot path(s)");
            return failed == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static void PrintPath(PathResult result)
    {
        string checks = string.Join(", ", result.Checks.Select(c => c.SeenAt is { } at ? $"{c.Check.Name} {at.TotalSeconds:0.0} s" : $"{c.Check.Name} NOT SEEN"));
        string verdict = result.Passed ? "ok" : $"FAILED ({result.Outcome.Reason}; serial log: {result.Outcome.LogFile})";
        lock (Console.Out)
        {
            Console.WriteLine($"{result.Path.Label}: {verdict} in {result.Elapsed.TotalSeconds:0.0} s: {checks}");
        }
    }

    private static Command Schema()
    {
        var command = new Command("schema", $"Print the recipes' JSON Schema (the repository keeps it as recipes/{Recipes.RecipeSchema.FileName}; YAML editors read it).");
        command.SetAction(_ =>
        {
            Console.Out.Write(Recipes.RecipeSchema.Json());
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Boot()
    {
        var image = new Argument<string>("image") { Description = "the image to boot" };
        var firmware = new Option<Firmware>("--firmware") { Description = "bios (SeaBIOS), uefi (OVMF) or secureboot (OVMF with Secure Boot on and Microsoft's keys, as laptops ship: it refuses unsigned loaders such as this project's)", DefaultValueFactory = _ => Firmware.Bios };
        var media = new Option<BootMedia>("--media") { Description = "cd or usb (raw disk on a USB controller)", DefaultValueFactory = _ => BootMedia.Cd };
        var timeout = new Option<int>("--timeout") { Description = "seconds to wait for every expected text", DefaultValueFactory = _ => 180 };
        var expect = new Option<string[]>("--expect") { Description = "text that must appear on the serial console (repeatable)", AllowMultipleArgumentsPerToken = false };
        var failOn = new Option<string[]>("--fail-on") { Description = "text that fails the boot at once when it appears, such as IMAGEBUILDER-DEMO-FAILED (repeatable)", AllowMultipleArgumentsPerToken = false };
        var memory = new Option<int>("--memory") { Description = "guest memory in MiB", DefaultValueFactory = _ => 2048 };
        var cpu = new Option<string>("--cpu") { Description = $"QEMU CPU model (default {QemuCommand.DefaultCpu}: AMD-V with nested paging, for PVH and HVM guests; qemu64,-svm masks it)", DefaultValueFactory = _ => QemuCommand.DefaultCpu };
        var cpus = new Option<int?>("--cpus") { Description = $"virtual CPUs per machine (TCG runs one host thread per CPU; default {BootOptions.DefaultCpus}, or fewer so that the machines' CPUs do not outnumber the host's cores)" };
        var log = new Option<string?>("--log") { Description = "serial console log file (default: out/boot-<image>-<firmware>-<media>.log)" };
        var timeline = new Option<bool>("--timeline") { Description = "print when each boot phase was reached (GRUB, Xen, kernel, live medium, systemd, Dom0 ready, each guest, demo done)" };
        var menuEntry = new Option<string?>("--menu-entry") { Description = "boot this entry of GRUB's menu instead of the default: its position from 0, or a submenu's position, '>' and the entry's (as GRUB's default variable names it: 4>1); the keys are pressed on the serial console once the menu shows" };
        var machines = new Option<int>("--machines") { Description = "boot this many machines from the image at once, each with a NIC on one private LAN (a hub on 127.0.0.1), its own MAC (52:54:00:49:42:NN) and serial log (-mN before the log's extension, N from 1); every --expect must appear on every machine's console. One machine has no NIC unless --lan-tap is given", DefaultValueFactory = _ => 1 };
        var lanTap = new Option<string?>("--lan-tap") { Description = "join the machines' LAN to the host's TAP interface of this name (one made with `ip tuntap add NAME mode tap`, addressed and up, or else one made now and gone after the boot), so servers on the host such as dnsmasq answer the machines; gives even one machine a NIC (its log then ends -m1). Needs root" };
        var command = new Command("boot", "Boot an image in QEMU (TCG) and wait for texts on the serial console.") { image, firmware, media, timeout, expect, failOn, memory, cpus, cpu, log, timeline, menuEntry, machines, lanTap };
        command.SetAction(async (parse, ct) =>
        {
            string path = parse.GetValue(image)!;
            var fw = parse.GetValue(firmware);
            var md = parse.GetValue(media);
            int seconds = parse.GetValue(timeout);
            if (seconds <= 0)
            {
                Console.Error.WriteLine("error: --timeout must be a positive number of seconds");
                return ExitCodes.UsageOrRecipe;
            }

            int count = parse.GetValue(machines);
            int perMachine = parse.GetValue(cpus) ?? BootOptions.CpusPerMachine(Environment.ProcessorCount, count);
            if (parse.GetValue(memory) is < 128 or > 1 << 20 || perMachine is < 1 or > 64 || count is < 1 or > 64)
            {
                Console.Error.WriteLine("error: --memory must be 128 to 1048576 MiB, --cpus and --machines 1 to 64");
                return ExitCodes.UsageOrRecipe;
            }

            if (CheckedCpuModel(parse.GetValue(cpu)) is not { } model)
            {
                return ExitCodes.UsageOrRecipe;
            }

            GrubMenuPath? entry = null;
            if (parse.GetValue(menuEntry) is { } entryText && (entry = GrubMenuPath.TryParse(entryText, out string? entryError)) is null)
            {
                Console.Error.WriteLine($"error: --menu-entry: {entryError}");
                return ExitCodes.UsageOrRecipe;
            }

            string logFile = parse.GetValue(log) ?? Path.Combine("out", $"boot-{Path.GetFileNameWithoutExtension(path)}-{fw.ToString().ToLowerInvariant()}-{md.ToString().ToLowerInvariant()}.log");
            var options = new BootOptions(path, fw, md, TimeSpan.FromSeconds(seconds), [.. parse.GetValue(expect) ?? []], parse.GetValue(memory), logFile) { Cpus = perMachine, CpuModel = model, FailOn = [.. parse.GetValue(failOn) ?? []], MenuEntry = entry };
            string? tapName = parse.GetValue(lanTap);
            if (count == 1 && tapName is null)
            {
                Console.WriteLine($"booting {path} ({fw}, {md}); serial log: {Path.GetFullPath(logFile)}");
                var outcome = await BootRunner.RunAsync(options, ct).ConfigureAwait(false);
                return Report(outcome, string.Empty, parse.GetValue(timeline)) ? ExitCodes.Success : ExitCodes.Failure;
            }

            using var host = tapName is null ? null : OpenedTap(tapName);
            if (tapName is not null && host is null)
            {
                return ExitCodes.UsageOrRecipe;
            }

            Console.WriteLine($"booting {count} machine{(count == 1 ? string.Empty : "s")} from {path} ({fw}, {md}) on one private LAN{(host is null ? string.Empty : $" joined to the host's {host.Name}")}; serial logs: {Path.GetFullPath(LanBoot.LogFileOf(logFile, 1))}{(count == 1 ? string.Empty : " and on")}");
            var outcomes = await LanBoot.RunAsync(options, count, host, ct).ConfigureAwait(false);
            bool all = true;
            foreach (var machine in outcomes)
            {
                all &= Report(machine.Outcome, $"machine {machine.Port.Machine} ({machine.Port.Mac}): ", parse.GetValue(timeline));
            }

            return all ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>The host's TAP interface for --lan-tap, or null after saying why it cannot be used.</summary>
    private static TapDevice? OpenedTap(string name)
    {
        if (!TapDevice.IsValidName(name))
        {
            Console.Error.WriteLine($"error: --lan-tap: '{name}' is not a network interface name (1 to 15 characters, no '/', ':' or white space)");
            return null;
        }

        try
        {
            return TapDevice.Open(name);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"error: --lan-tap: {e.Message}");
            return null;
        }
    }

    /// <summary>Prints what one boot showed, each line after <paramref name="prefix"/>; true when it succeeded.</summary>
    private static bool Report(BootOutcome outcome, string prefix, bool timeline)
    {
        foreach (var seen in outcome.Seen)
        {
            Console.WriteLine($"{prefix}seen after {seen.At.TotalSeconds,6:0.0} s: {seen.Text}");
        }

        if (timeline)
        {
            foreach (string line in BootTimeline.Format(outcome.Timeline))
            {
                Console.WriteLine(prefix + line);
            }
        }

        if (outcome.Succeeded)
        {
            Console.WriteLine($"{prefix}boot ok");
            return true;
        }

        Console.Error.WriteLine($"{prefix}boot failed: {outcome.Reason}");
        foreach (string missing in outcome.Missing)
        {
            Console.Error.WriteLine($"{prefix}not seen: {missing}");
        }

        Console.Error.WriteLine($"{prefix}serial log: {outcome.LogFile}; last lines:");
        Console.Error.WriteLine(outcome.LogTail);
        return false;
    }

    /// <summary>The --cpu value when it is a QEMU CPU model with flags; otherwise says so and gives null.</summary>
    private static string? CheckedCpuModel(string? model)
    {
        if (model is not null && CpuModel().IsMatch(model))
        {
            return model;
        }

        Console.Error.WriteLine("error: --cpu takes a QEMU CPU model with flags, such as qemu64,+svm,+npt");
        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]*(,[+-]?[A-Za-z0-9_.=-]+)*\z")]
    private static partial System.Text.RegularExpressions.Regex CpuModel();
}
