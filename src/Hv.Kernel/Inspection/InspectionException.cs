using ImageBuilder.Common;

namespace Hv.Kernel.Inspection;

/// <summary>A binary that is not what a step needs it to be (wrong format, missing header, missing option).</summary>
public sealed class InspectionException : ImageBuilderException
{
    public InspectionException()
    {
    }

    public InspectionException(string message)
        : base(message)
    {
    }

    public InspectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
