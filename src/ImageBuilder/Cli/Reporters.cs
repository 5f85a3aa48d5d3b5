using ImageBuilder.Planning;
using Spectre.Console;

namespace ImageBuilder.Cli;

public static class Reporters
{
    /// <summary>Whether output goes to a person at a terminal: not redirected, not in CI.</summary>
    public static bool Interactive =>
        !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("CI") is null or "" or "false";

    /// <summary>A live status display on a terminal; plain lines when output is redirected or in CI.</summary>
    public static IBuildReporter ForConsole() => Interactive ? new LiveReporter() : new PlainReporter();
}

/// <summary>One line per event: for logs and CI.</summary>
public sealed class PlainReporter(TextWriter output) : IBuildReporter
{
    public PlainReporter()
        : this(Console.Out)
    {
    }

    public void StepCached(PlannedStep step) => output.WriteLine($"[cached] {step.Step.Id}: {step.Step.Description}");

    public void StepStarted(PlannedStep step) => output.WriteLine($"[run]    {step.Step.Id}: {step.Step.Description}");

    public void StepFinished(PlannedStep step, TimeSpan elapsed) => output.WriteLine($"[done]   {step.Step.Id} in {elapsed.TotalSeconds:0.0} s");

    public void StepStopped(PlannedStep step) => output.WriteLine($"[stop]   {step.Step.Id}");

    public void Info(string message) => output.WriteLine(message);

    public Task<T> RunAsync<T>(Func<Task<T>> work) => work();
}

/// <summary>Spectre.Console status spinner naming the steps running at once, with a line per finished step.</summary>
public sealed class LiveReporter : IBuildReporter
{
    private readonly Lock gate = new();
    private readonly List<PlannedStep> running = [];
    private StatusContext? status;

    public void StepCached(PlannedStep step) => AnsiConsole.MarkupLineInterpolated($"[grey]cached[/] {step.Step.Id}: {step.Step.Description}");

    public void StepStarted(PlannedStep step) => Update(() => running.Add(step));

    public void StepFinished(PlannedStep step, TimeSpan elapsed)
    {
        Update(() => running.Remove(step));
        AnsiConsole.MarkupLineInterpolated($"[green]done[/]   {step.Step.Id} in {elapsed.TotalSeconds:0.0} s");
    }

    public void StepStopped(PlannedStep step)
    {
        Update(() => running.Remove(step));
        AnsiConsole.MarkupLineInterpolated($"[red]stop[/]   {step.Step.Id}");
    }

    public void Info(string message) => AnsiConsole.WriteLine(message);

    public Task<T> RunAsync<T>(Func<Task<T>> work) =>
        AnsiConsole.Status().Spinner(Spinner.Known.Dots).StartAsync("planning", async ctx =>
        {
            status = ctx;
            try
            {
                return await work().ConfigureAwait(false);
            }
            finally
            {
                status = null;
            }
        });

    private void Update(Action change)
    {
        lock (gate)
        {
            change();
            if (running.Count == 0)
            {
                return; // between steps, or writing the image: Info says which
            }

            status?.Status(running.Count == 1
                ? $"{Markup.Escape(running[0].Step.Id)}: {Markup.Escape(running[0].Step.Description)}"
                : string.Join("  ·  ", running.Select(r => Markup.Escape(r.Step.Id))));
        }
    }
}
