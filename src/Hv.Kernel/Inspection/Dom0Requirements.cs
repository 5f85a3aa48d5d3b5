namespace Hv.Kernel.Inspection;

/// <summary>Kernel options a Linux kernel needs to boot as Xen's Dom0 (PV) and to run the Xen tools and backends.</summary>
public static class Dom0Requirements
{
    /// <summary>Needed before any module can load: the kernel must boot as a PV Dom0 and find its console.</summary>
    public static readonly IReadOnlyList<string> BuiltIn = ["CONFIG_XEN", "CONFIG_XEN_PV", "CONFIG_XEN_DOM0", "CONFIG_HVC_XEN"];

    /// <summary>Needed by the toolstack and guests; built in or as modules.</summary>
    public static readonly IReadOnlyList<string> BuiltInOrModule =
        ["CONFIG_XENFS", "CONFIG_XEN_GNTDEV", "CONFIG_XEN_DEV_EVTCHN", "CONFIG_XEN_BLKDEV_BACKEND", "CONFIG_XEN_NETDEV_BACKEND"];

    /// <summary>Every unmet requirement, each as "OPTION is VALUE (needs y)"; empty when the kernel can be Dom0.</summary>
    public static IReadOnlyList<string> Unmet(KernelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var unmet = new List<string>();
        foreach (string option in BuiltIn)
        {
            if (config[option] != "y")
            {
                unmet.Add($"{option} is {Describe(config[option])} (needs y)");
            }
        }

        foreach (string option in BuiltInOrModule)
        {
            if (config[option] is not ("y" or "m"))
            {
                unmet.Add($"{option} is {Describe(config[option])} (needs y or m)");
            }
        }

        return unmet;
    }

    public static void Require(KernelConfig config, string kernelName)
    {
        var unmet = Unmet(config);
        if (unmet.Count > 0)
        {
            throw new InspectionException($"{kernelName} cannot run as Xen Dom0 ({config.Source}): {string.Join("; ", unmet)}");
        }
    }

    private static string Describe(string? value) => value is null ? "not set" : $"'{value}'";
}
