namespace Hv.Kernel.Xen;

/// <summary>One Xen boot option. A null <see cref="Value"/> is a bare flag ("noreboot").</summary>
public sealed record XenOption(string Name, string? Value)
{
    public string Render() => Value is null ? Name : $"{Name}={Value}";
}
