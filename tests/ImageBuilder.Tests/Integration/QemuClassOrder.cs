using ImageBuilder.TestSupport;
using Xunit.v3;

namespace ImageBuilder.Tests.Integration;

/// <summary>
/// The order of the QEMU collection's classes in each lane (build.cake). The build lane starts with the demo (its
/// determinism test's fixture, then the cold build), which the boot lane boots after the minimal images (two machines);
/// then the compiled stack, booted next (built by whichever lane gets to it first: a lane that gets to a step another
/// is making waits for it, the cache's per-step lock). The demo image boots last; its boot with the PVH and HVM guests
/// (<see cref="LiveDemoBootTests"/>, after the demo image's other boots) waits for the build lane to end (<see cref="QuietMachine"/>). Classes not listed run after these, by name.
/// </summary>
public sealed class QemuClassOrder : ITestClassOrderer
{
    private static readonly string[] Order =
    [
        // The boot lane.
        nameof(ImageTestCommandTests), nameof(MinimalImageTests), nameof(EscapedValuesBootTests), nameof(XenEfiLoaderTests),
        nameof(TwoHostMigrationTests), nameof(XenSourceTests), nameof(LiveDemoTests), nameof(LiveDemoBootTests),

        // The build lane.
        nameof(DeterminismTests), nameof(XenSourceBuildTests), nameof(BuildSafetyTests), nameof(FullDiskTests),
    ];

    public IReadOnlyCollection<TTestClass?> OrderTestClasses<TTestClass>(IReadOnlyCollection<TTestClass?> testClasses)
        where TTestClass : Xunit.Sdk.ITestClass =>
        [.. testClasses.OrderBy(c => Rank(c?.TestClassName)).ThenBy(c => c?.TestClassName, StringComparer.Ordinal)];

    private static int Rank(string? fullName)
    {
        int at = Array.IndexOf(Order, fullName?[(fullName.LastIndexOf('.') + 1)..]);
        return at < 0 ? Order.Length : at;
    }
}
