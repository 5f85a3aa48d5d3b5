using ImageBuilder.Qemu;

namespace ImageBuilder.Tests.Qemu;

/// <summary>README's rule for `boot --cpus`: two per machine, or fewer so that the machines' CPUs do not outnumber the host's cores, at least one.</summary>
public sealed class CpusPerMachineTests
{
    [Theory]
    [InlineData(2, 1, 2)]
    [InlineData(2, 2, 1)]
    [InlineData(2, 3, 1)]
    [InlineData(1, 1, 1)]
    [InlineData(4, 2, 2)]
    [InlineData(16, 2, 2)]
    [InlineData(6, 4, 1)]
    public void Machines_get_two_cpus_each_unless_the_hosts_cores_would_be_outnumbered(int hostCores, int machines, int expected)
    {
        Assert.Equal(expected, BootOptions.CpusPerMachine(hostCores, machines));
    }
}
