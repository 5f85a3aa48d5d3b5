using System.CommandLine;
using ImageBuilder.Common;
using ImageBuilder.Sticks;
using Spectre.Console;

namespace ImageBuilder.Cli;

/// <summary>`imagebuilder write IMAGE DEVICE...`: one image onto many sticks at once, each read back and compared.</summary>
public static partial class Commands
{
    private static Command Write()
    {
        var image = new Argument<string>("image") { Description = "the image to write, e.g. out/xen-demo.iso" };
        var devices = new Argument<string[]>("device") { Description = "whole devices to write it to (/dev/sdX, or a link such as /dev/disk/by-id/usb-…); everything on them is lost", Arity = ArgumentArity.OneOrMore };
        var yes = new Option<bool>("--yes") { Description = "do not ask: needed when not on a terminal" };
        var allowFixed = new Option<bool>("--allow-fixed") { Description = "also write to devices that are neither removable nor on USB (internal disks, loop devices)" };
        var command = new Command("write", "Write an image to USB sticks (or other whole devices), several at once, and read each back against the image. Refuses partitions, devices in use or too small, the system's own disk, fixed disks unless --allow-fixed, and anything not confirmed.")
        {
            image, devices, yes, allowFixed,
        };
        command.SetAction(async (parse, ct) =>
        {
            string path = parse.GetValue(image)!;
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"error: {path}: no such image file");
                return ExitCodes.UsageOrRecipe;
            }

            long bytes = new FileInfo(path).Length;
            var targets = new List<WriteTarget>();
            var unreadable = new List<string>();
            foreach (string argument in parse.GetValue(devices)!)
            {
                try
                {
                    var device = await BlockDevice.ReadAsync(argument, ct).ConfigureAwait(false);
                    targets.Add(WriteTarget.Check(argument, device, bytes, parse.GetValue(allowFixed), targets));
                }
                catch (ImageBuilderException e)
                {
                    unreadable.Add(e.Message);
                }
            }

            if (unreadable.Count > 0 || targets.Any(t => t.Refused))
            {
                foreach (string reason in unreadable.Concat(targets.Where(t => t.Refused).Select(t => $"{t.Argument} {string.Join("; it ", t.Refusals)}")))
                {
                    Console.Error.WriteLine($"refused: {reason}");
                }

                Console.Error.WriteLine($"error: nothing written ({unreadable.Count + targets.Count(t => t.Refused)} of {unreadable.Count + targets.Count} devices refused)");
                return ExitCodes.UsageOrRecipe;
            }

            Console.WriteLine($"writing {path} ({Sizes.Describe(bytes)}) to {string.Join(", ", targets.Select(t => t.Device.Label))}: everything on {(targets.Count == 1 ? "it" : "them")} is lost");
            if (!parse.GetValue(yes) && !Confirmed())
            {
                return ExitCodes.UsageOrRecipe;
            }

            string? recorded = RecordedSha256(path);
            var results = (await WriteAllAsync(path, bytes, [.. targets.Select(t => t.Device)], ct).ConfigureAwait(false))
                .Select(r => r.Succeeded && recorded is not null && r.ImageSha256 != recorded
                    ? r with { Failure = $"the image read {r.ImageSha256}, not the {recorded} of {path}.sha256: it changed after its build" }
                    : r)
                .ToArray();
            foreach (var result in results)
            {
                Console.WriteLine(result.Succeeded
                    ? $"{result.Device}: ok: written in {result.Writing.TotalSeconds:0.0} s ({Sizes.Rate(result.Bytes, result.Writing)}), read back in {result.Verifying.TotalSeconds:0.0} s: sha256 {result.ImageSha256} as the image{(recorded is null ? string.Empty : " and its .sha256")}"
                    : $"{result.Device}: FAILED: {result.Failure}");
            }

            int failed = results.Count(r => !r.Succeeded);
            Console.WriteLine(failed == 0 ? $"write ok: {results.Length} device(s)" : $"write failed: {failed} of {results.Length} device(s)");
            return failed == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>Asks on the terminal; anything but "yes" (or no terminal to ask on) says no.</summary>
    private static bool Confirmed()
    {
        if (Console.IsInputRedirected)
        {
            Console.Error.WriteLine("error: not confirmed: nothing written (run it on a terminal to answer, or give --yes)");
            return false;
        }

        Console.Write("type yes to write: ");
        if (Console.ReadLine()?.Trim() == "yes")
        {
            return true;
        }

        Console.Error.WriteLine("error: not confirmed: nothing written");
        return false;
    }

    /// <summary>Every device at once; a bar per device on a terminal, the result lines only otherwise.</summary>
    private static async Task<DeviceResult[]> WriteAllAsync(string image, long bytes, BlockDevice[] devices, CancellationToken ct)
    {
        if (!Reporters.Interactive)
        {
            return await Task.WhenAll(devices.Select(d => Task.Run(() => DeviceWriter.WriteAsync(image, d.Path, d.Bytes, null, ct), ct))).ConfigureAwait(false);
        }

        return await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var writes = devices.Select(device =>
                {
                    var task = context.AddTask(Markup.Escape($"writing {device.Path}"), maxValue: 2.0 * bytes);
                    var progress = new Progress<WriteProgress>(p =>
                    {
                        task.Description = Markup.Escape($"{(p.Verifying ? "reading back" : "writing")} {device.Path}");
                        task.Value = p.Verifying ? bytes + p.Done : p.Done;
                    });
                    return Task.Run(() => DeviceWriter.WriteAsync(image, device.Path, device.Bytes, progress, ct), ct);
                }).ToArray();
                return await Task.WhenAll(writes).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    /// <summary>The checksum the build recorded beside the image (NAME.iso.sha256, sha256sum's format), if there is one.</summary>
    private static string? RecordedSha256(string image)
    {
        string file = image + ".sha256";
        return File.Exists(file) && File.ReadAllText(file).Split((char[])[' ', '\t', '\n'], 2)[0] is { Length: 64 } hex ? hex.ToLowerInvariant() : null;
    }
}
