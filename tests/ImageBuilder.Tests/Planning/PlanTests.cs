using ImageBuilder.Cli;
using ImageBuilder.Planning;
using ImageBuilder.Recipes;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Tests.Planning;

public sealed class PlanTests
{
    [Fact]
    public void Keys_are_stable_for_the_same_inputs()
    {
        var a = Plan.Create([new FakeStep("a", "one")], new ToolVersions());
        var b = Plan.Create([new FakeStep("a", "one")], new ToolVersions());

        Assert.Equal(a.Steps[0].Key, b.Steps[0].Key);
        Assert.StartsWith("fake-", a.Steps[0].Key, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parameter_change_changes_the_key_of_the_step_and_of_everything_after_it()
    {
        var first = new FakeStep("first", "one");
        var second = new FakeStep("second", "x", first);
        var changedFirst = new FakeStep("first", "two");
        var changedSecond = new FakeStep("second", "x", changedFirst);

        var before = Plan.Create([second], new ToolVersions());
        var after = Plan.Create([changedSecond], new ToolVersions());

        Assert.NotEqual(before.Steps[0].Key, after.Steps[0].Key);
        Assert.NotEqual(before.Steps[1].Key, after.Steps[1].Key);
    }

    [Fact]
    public void Input_file_content_enters_the_key_but_its_location_does_not()
    {
        using var dir = new TempDirectory();
        dir.Write("a/file", "same");
        dir.Write("b/file", "same");
        dir.Write("c/file", "different");

        string KeyFor(string folder) => Plan.Create([new FakeStep("s", "p") { Input = dir.Combine(folder) }], new ToolVersions()).Steps[0].Key;

        Assert.Equal(KeyFor("a"), KeyFor("b"));
        Assert.NotEqual(KeyFor("a"), KeyFor("c"));
    }

    [Fact]
    public void Dependencies_come_first_whatever_order_steps_are_given_in()
    {
        var first = new FakeStep("first", "1");
        var second = new FakeStep("second", "2", first);

        var plan = Plan.Create([second, first], new ToolVersions());

        Assert.Equal(["first", "second"], plan.Steps.Select(s => s.Step.Id));
    }

    [Fact]
    public async Task A_cached_step_is_not_run_again()
    {
        using var dir = new TempDirectory();
        var cache = new StepCache(dir.Combine("cache"));
        var step = new FakeStep("s", "p");
        var plan = Plan.Create([step], new ToolVersions());

        await new PlanRunner(cache, new PlainReporter(), 0).RunAsync(plan);
        await new PlanRunner(cache, new PlainReporter(), 0).RunAsync(plan);

        Assert.Equal(1, step.Runs);
        Assert.True(File.Exists(Path.Combine(cache.PathOf(plan.Steps[0].Key), "result")));
        Assert.True(File.Exists(Path.Combine(cache.PathOf(plan.Steps[0].Key), StepCache.MetadataFile)));
    }

    [Fact]
    public async Task A_failing_step_leaves_no_cache_entry_and_names_the_step()
    {
        using var dir = new TempDirectory();
        var cache = new StepCache(dir.Combine("cache"));
        var step = new FakeStep("broken", "p") { Fail = true };
        var plan = Plan.Create([step], new ToolVersions());

        var e = await Assert.ThrowsAsync<ImageBuilder.Common.ImageBuilderException>(() => new PlanRunner(cache, new PlainReporter(), 0).RunAsync(plan));

        Assert.StartsWith("step broken failed:", e.Message, StringComparison.Ordinal);
        Assert.False(cache.Contains(plan.Steps[0].Key));
        Assert.Empty(Directory.GetDirectories(Path.Combine(cache.Root, ".tmp")));
    }

    private sealed class FakeStep(string id, string parameter, params Step[] dependencies) : Step(id, dependencies)
    {
        public int Runs { get; private set; }

        public bool Fail { get; init; }

        public string? Input { get; init; }

        public override string Kind => "fake";

        public override string Description => "a fake step";

        public override object Parameters => new { parameter };

        public override IEnumerable<(string Name, string HostPath)> InputPaths => Input is null ? [] : [("input", Input)];

        public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
        {
            Runs++;
            await File.WriteAllTextAsync(context.Output("result"), parameter, cancellationToken);
            if (Fail)
            {
                throw new IOException("disk on fire");
            }
        }
    }
}
