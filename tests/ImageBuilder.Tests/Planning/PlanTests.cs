using System.Reflection;
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

        string KeyFor(string folder) => Plan.Create([new FakeStep("s", "p", new HostInput(dir.Combine(folder)))], new ToolVersions()).Steps[0].Key;

        Assert.Equal(KeyFor("a"), KeyFor("b"));
        Assert.NotEqual(KeyFor("a"), KeyFor("c"));
    }

    [Fact]
    public void Every_step_keeps_nothing_but_its_parameters_record_and_the_steps_it_reads()
    {
        // What a step reads must be in its key; the key hashes the parameters record and the dependencies' keys. A field
        // of any other kind (a captured recipe, a path, a number) could be read by the step without entering the key.
        var steps = typeof(Step).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Step)) && !t.IsAbstract).ToList();
        Assert.Contains(typeof(ImageBuilder.Steps.EspStep), steps);
        Assert.True(steps.Count >= 15, $"found only {steps.Count} step types");
        foreach (var type in steps)
        {
            var typed = BaseTypes(type).FirstOrDefault(b => b.IsGenericType && b.GetGenericTypeDefinition() == typeof(Step<>));
            Assert.True(typed is not null, $"{type.Name} does not declare a parameters record (derive from Step<TParameters>)");
            Assert.True(typed!.GetGenericArguments()[0].GetMethod("<Clone>$") is not null, $"{type.Name}'s parameters are not a record");
            foreach (var owner in BaseTypes(type).Prepend(type).TakeWhile(t => t != typeof(Step) && !(t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Step<>))))
            {
                foreach (var field in owner.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    Assert.True(IsStepReference(field.FieldType), $"{type.Name} keeps {field.Name} ({field.FieldType.Name}) outside its parameters record");
                }
            }
        }
    }

    [Fact]
    public async Task Two_runners_sharing_a_cache_make_a_step_once_and_both_use_it()
    {
        using var dir = new TempDirectory();
        var step = new FakeStep("slow", "p") { Delay = TimeSpan.FromSeconds(1) };
        var plan = Plan.Create([step], new ToolVersions());

        var outputs = await Task.WhenAll(
            Task.Run(() => new PlanRunner(new StepCache(dir.Combine("cache")), new PlainReporter()).RunAsync(plan)),
            Task.Run(() => new PlanRunner(new StepCache(dir.Combine("cache")), new PlainReporter()).RunAsync(plan)));

        Assert.Equal(1, step.Runs);
        Assert.Equal(outputs[0]["slow"], outputs[1]["slow"]);
        Assert.Equal("p", File.ReadAllText(Path.Combine(outputs[0]["slow"], "result")));
        Assert.Empty(Directory.GetDirectories(dir.Combine("cache", ".tmp")));
    }

    [Fact]
    public async Task What_a_killed_build_left_for_a_step_is_removed_before_the_step_runs_again()
    {
        using var dir = new TempDirectory();
        var cache = new StepCache(dir.Combine("cache"));
        var step = new FakeStep("s", "p");
        var plan = Plan.Create([step], new ToolVersions());
        string leftover = cache.CreateTemporary(plan.Steps[0].Key);
        File.WriteAllText(Path.Combine(leftover, "half-written"), "x");

        await new PlanRunner(cache, new PlainReporter()).RunAsync(plan, cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(Directory.Exists(leftover));
        Assert.True(cache.Contains(plan.Steps[0].Key));
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

        await new PlanRunner(cache, new PlainReporter()).RunAsync(plan, cancellationToken: TestContext.Current.CancellationToken);
        await new PlanRunner(cache, new PlainReporter()).RunAsync(plan, cancellationToken: TestContext.Current.CancellationToken);

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

        var e = await Assert.ThrowsAsync<ImageBuilder.Common.ImageBuilderException>(() => new PlanRunner(cache, new PlainReporter()).RunAsync(plan, cancellationToken: TestContext.Current.CancellationToken));

        Assert.StartsWith("step broken failed:", e.Message, StringComparison.Ordinal);
        Assert.False(cache.Contains(plan.Steps[0].Key));
        Assert.Empty(Directory.GetDirectories(Path.Combine(cache.Root, ".tmp")));
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(1, 1)]
    [InlineData(8, 4)]
    public async Task Independent_steps_run_at_once_while_their_cores_fit(int cores, int mostAtOnce)
    {
        using var dir = new TempDirectory();
        var crowd = new Crowd(mostAtOnce);
        Step[] steps = [.. Enumerable.Range(0, 4).Select(i => new FakeStep($"s{i}", $"p{i}") { Crowd = crowd, Delay = TimeSpan.FromMilliseconds(200) })];

        await new PlanRunner(new StepCache(dir.Combine("cache")), new PlainReporter(), cores).RunAsync(Plan.Create(steps, new ToolVersions()), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(mostAtOnce, crowd.MostAtOnce);
    }

    [Fact]
    public async Task A_step_wanting_every_core_runs_alone_and_smaller_ones_run_beside_each_other()
    {
        using var dir = new TempDirectory();
        var crowd = new Crowd(2);
        Step[] steps =
        [
            new FakeStep("a", "a") { Crowd = crowd, Delay = TimeSpan.FromMilliseconds(200) },
            new FakeStep("compile", "c") { Crowd = crowd, CoresWanted = 4 },
            new FakeStep("b", "b") { Crowd = crowd, Delay = TimeSpan.FromMilliseconds(200) },
        ];

        await new PlanRunner(new StepCache(dir.Combine("cache")), new PlainReporter(), cores: 2).RunAsync(Plan.Create(steps, new ToolVersions()), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, crowd.MostAtOnce);
        Assert.Equal(["a", "b"], crowd.CompanyOf("b"));
        Assert.Equal(["compile"], crowd.CompanyOf("compile"));
    }

    [Fact]
    public async Task A_step_starts_only_after_every_step_it_reads_has_finished()
    {
        using var dir = new TempDirectory();
        var crowd = new Crowd(2);
        var first = new FakeStep("first", "1") { Crowd = crowd };
        var other = new FakeStep("other", "2") { Crowd = crowd };
        var last = new FakeStep("last", "3", first, other) { Crowd = crowd };

        var outputs = await new PlanRunner(new StepCache(dir.Combine("cache")), new PlainReporter(), cores: 4).RunAsync(Plan.Create([last], new ToolVersions()), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["last"], crowd.CompanyOf("last"));
        Assert.Equal("3", File.ReadAllText(Path.Combine(outputs["last"], "result")));
    }

    [Fact]
    public async Task After_a_failure_nothing_new_starts_and_the_steps_already_running_finish_into_the_cache()
    {
        using var dir = new TempDirectory();
        var cache = new StepCache(dir.Combine("cache"));
        var crowd = new Crowd(2);
        var broken = new FakeStep("broken", "p") { Fail = true, Crowd = crowd };
        var slow = new FakeStep("slow", "q") { Crowd = crowd, Delay = TimeSpan.FromMilliseconds(300) };
        var after = new FakeStep("after", "r");
        var plan = Plan.Create([slow, broken, after], new ToolVersions());

        var e = await Assert.ThrowsAsync<ImageBuilder.Common.ImageBuilderException>(() => new PlanRunner(cache, new PlainReporter(), cores: 2).RunAsync(plan, cancellationToken: TestContext.Current.CancellationToken));

        Assert.StartsWith("step broken failed:", e.Message, StringComparison.Ordinal);
        Assert.True(cache.Contains(plan[slow].Key));
        Assert.False(cache.Contains(plan[broken].Key));
        Assert.Equal(0, after.Runs);
        Assert.Empty(Directory.GetDirectories(Path.Combine(cache.Root, ".tmp")));
    }

    [Fact]
    public async Task A_cancelled_build_stops_every_running_step_and_caches_none_of_them()
    {
        using var dir = new TempDirectory();
        var cache = new StepCache(dir.Combine("cache"));
        var crowd = new Crowd(2);
        var one = new FakeStep("one", "p") { Crowd = crowd, Delay = TimeSpan.FromMinutes(5) };
        var two = new FakeStep("two", "q") { Crowd = crowd, Delay = TimeSpan.FromMinutes(5) };
        var plan = Plan.Create([one, two], new ToolVersions());
        using var cancel = new CancellationTokenSource();
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var build = new PlanRunner(cache, new PlainReporter(), cores: 2).RunAsync(plan, cancel.Token);
        await crowd.AllIn.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken: TestContext.Current.CancellationToken);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => build);
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(1), $"the steps were not stopped ({watch.Elapsed})");
        Assert.All(plan.Steps, s => Assert.False(cache.Contains(s.Key)));
        Assert.Empty(Directory.GetDirectories(Path.Combine(cache.Root, ".tmp")));
    }

    [Fact]
    public async Task Two_steps_of_the_same_key_in_one_plan_are_made_once_without_waiting_on_their_own_lock()
    {
        using var dir = new TempDirectory();
        var one = new FakeStep("one", "same") { Delay = TimeSpan.FromMilliseconds(300) };
        var two = new FakeStep("two", "same") { Delay = TimeSpan.FromMilliseconds(300) };
        using var output = new StringWriter();

        var outputs = await new PlanRunner(new StepCache(dir.Combine("cache")), new PlainReporter(TextWriter.Synchronized(output)), cores: 2).RunAsync(Plan.Create([one, two], new ToolVersions()), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, one.Runs + two.Runs);
        Assert.Equal(outputs["one"], outputs["two"]);
        Assert.Contains("[cached] two", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("waiting for another build", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Guests_named_like_the_other_roots_and_folders_plan_with_their_own_ids_and_files()
    {
        using var dir = new TempDirectory();
        string path = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-source.yaml"), "names.yaml",
            ("  - name: debian\n", "  - name: xen-tools-build\n"), ("  - name: tiny\n", "  - name: kernel\n"));
        var recipe = RecipeLoader.Load(path).Recipe!;
        var tools = new ToolVersions();

        var steps = BuildSteps.For(recipe, tools);
        var plan = Plan.Create(steps.All, tools);

        Assert.Equal(plan.Steps.Length, plan.Steps.Select(s => s.Step.Id).Distinct().Count());
        Assert.Contains(plan.Steps, s => s.Step.Id == "rootfs/xen-tools-build");
        Assert.Contains(plan.Steps, s => s.Step.Id == "rootfs/guest-xen-tools-build");
        var files = plan.Steps.Select(s => s.Step).OfType<ImageBuilder.Steps.GuestsImageStep>().Single().Parameters.Guests.Select(g => ImageBuilder.Steps.GuestsImageStep.ImagePath(g.Name, g.ImageFile))
            .Append(ImageBuilder.Steps.GuestsImageStep.SharedKernel[1..]).Append(ImageBuilder.Steps.GuestsImageStep.SharedInitrd[1..]).ToList();
        Assert.Equal(files.Count, files.Distinct().Count());
    }

    private static IEnumerable<Type> BaseTypes(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            yield return t;
        }
    }

    /// <summary>A step, or a collection of steps (a step reading several others).</summary>
    private static bool IsStepReference(Type type) =>
        typeof(Step).IsAssignableFrom(type)
        || (type.IsGenericType && type.GetGenericArguments() is [var item] && typeof(Step).IsAssignableFrom(item) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type));

    private sealed record FakeParameters(string Parameter, HostInput? Input);

    private sealed class FakeStep : Step
    {
        private readonly string parameter;
        private int runs;

        public FakeStep(string id, string parameter, params Step[] dependencies)
            : base(id, new FakeParameters(parameter, null), dependencies)
        {
            this.parameter = parameter;
        }

        public FakeStep(string id, string parameter, HostInput input)
            : base(id, new FakeParameters(parameter, input), [])
        {
            this.parameter = parameter;
        }

        public int Runs => runs;

        public bool Fail { get; init; }

        public TimeSpan Delay { get; init; }

        public Crowd? Crowd { get; init; }

        public int CoresWanted { get; init; } = 1;

        public override int Cores => CoresWanted;

        public override string Kind => "fake";

        public override string Description => "a fake step";

        public override async Task RunAsync(StepContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref runs);
            if (Crowd is not null)
            {
                await Crowd.EnterAsync(Id, cancellationToken);
            }

            try
            {
                await Task.Delay(Delay, cancellationToken);
            }
            finally
            {
                Crowd?.Leave(Id);
            }

            await File.WriteAllTextAsync(context.Output("result"), parameter, cancellationToken);
            if (Fail)
            {
                throw new IOException("disk on fire");
            }
        }
    }

    /// <summary>
    /// Steps that wait, once in, until <c>expected</c> of them are in at once (or a generous timeout passes), so that
    /// which steps ran together depends on the runner only, not on how fast a loaded machine starts tasks.
    /// </summary>
    private sealed class Crowd(int expected)
    {
        private readonly Lock gate = new();
        private readonly HashSet<string> inside = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SortedSet<string>> company = new(StringComparer.Ordinal);
        private readonly TaskCompletionSource allIn = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int MostAtOnce { get; private set; }

        public Task AllIn => allIn.Task;

        /// <summary>Every step that was inside at some moment while <paramref name="id"/> was, itself included.</summary>
        public IEnumerable<string> CompanyOf(string id)
        {
            lock (gate)
            {
                return [.. company[id]];
            }
        }

        public async Task EnterAsync(string id, CancellationToken cancellationToken)
        {
            lock (gate)
            {
                inside.Add(id);
                company[id] = new SortedSet<string>(StringComparer.Ordinal);
                foreach (string present in inside)
                {
                    company[present].UnionWith(inside);
                }

                MostAtOnce = Math.Max(MostAtOnce, inside.Count);
                if (inside.Count >= expected)
                {
                    allIn.TrySetResult();
                }
            }

            try
            {
                await allIn.Task.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            }
            catch (TimeoutException)
            {
                // Fewer steps than expected ran at once: the assertions on MostAtOnce and CompanyOf tell.
            }
        }

        public void Leave(string id)
        {
            lock (gate)
            {
                inside.Remove(id);
            }
        }
    }
}
