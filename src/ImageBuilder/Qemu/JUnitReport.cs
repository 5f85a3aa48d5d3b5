using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace ImageBuilder.Qemu;

/// <summary>
/// A JUnit XML report of a boot matrix, the format CI systems (GitLab, Jenkins, GitHub's test reporters) display:
/// one test suite per boot path, one test case per check; the report's time is the matrix's, start to finish. A case's time is from the check seen before it in that
/// boot (or from QEMU's start) to its own marker, so a suite's cases add up to its boot; a case not seen fails with
/// the reason and the console's tail, and carries the whole serial log as its output and as a Jenkins attachment.
/// </summary>
public static class JUnitReport
{
    public static XDocument Create(string image, IReadOnlyList<PathResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        string name = Path.GetFileName(image);
        var suites = results.Select(r => Suite(name, r)).ToList();
        var root = new XElement(
            "testsuites",
            new XAttribute("name", $"imagebuilder test {name}"),
            new XAttribute("tests", suites.Sum(s => (int)s.Attribute("tests")!)),
            new XAttribute("failures", suites.Sum(s => (int)s.Attribute("failures")!)),
            new XAttribute("errors", 0),
            new XAttribute("time", Seconds(results.Count == 0 ? TimeSpan.Zero : results.Max(r => r.Started + r.Elapsed) - results.Min(r => r.Started))),
            suites);
        return new XDocument(new XDeclaration("1.0", "UTF-8", null), root);
    }

    public static void Write(string file, string image, IReadOnlyList<PathResult> results)
    {
        ArgumentNullException.ThrowIfNull(file);
        string full = Path.GetFullPath(file);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = full + ".partial";
        using (var writer = XmlWriter.Create(temporary, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) }))
        {
            Create(image, results).Save(writer);
        }

        File.Move(temporary, full, overwrite: true);
    }

    private static XElement Suite(string image, PathResult result)
    {
        string classname = $"{Path.GetFileNameWithoutExtension(image)}.{result.Path.Label}";
        var serialLog = new Lazy<string>(() => SerialLog(result.Outcome.LogFile));
        var cases = new List<XElement>();
        var before = TimeSpan.Zero;
        foreach (var check in result.Checks.OrderBy(c => c.SeenAt ?? TimeSpan.MaxValue))
        {
            if (check.SeenAt is { } at)
            {
                cases.Add(Case(classname, check.Check.Name, at - before));
                before = at;
            }
            else
            {
                cases.Add(FailedCase(classname, check.Check.Name, result.Elapsed - before, $"not seen: {check.Check.Marker} ({result.Outcome.Reason})", "MarkerNotSeen", result.Outcome, serialLog.Value));
            }
        }

        if (!result.Outcome.Succeeded && result.Checks.All(c => c.SeenAt is not null))
        {
            // Every marker appeared, yet the boot failed (a failure text in the same output): a case says so.
            cases.Add(FailedCase(classname, "boot", result.Elapsed - before, result.Outcome.Reason, "BootFailed", result.Outcome, serialLog.Value));
        }

        return new XElement(
            "testsuite",
            new XAttribute("name", $"{image} {result.Path.Label}"),
            new XAttribute("tests", cases.Count),
            new XAttribute("failures", cases.Count(c => c.Element("failure") is not null)),
            new XAttribute("errors", 0),
            new XAttribute("skipped", 0),
            new XAttribute("time", Seconds(result.Elapsed)),
            new XAttribute("timestamp", result.Started.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)),
            new XAttribute("hostname", Environment.MachineName),
            new XElement(
                "properties",
                Property("firmware", result.Path.Firmware.ToString().ToLowerInvariant()),
                Property("media", result.Path.Media.ToString().ToLowerInvariant()),
                Property("serial_log", Path.GetFullPath(result.Outcome.LogFile))),
            cases);
    }

    private static XElement Case(string classname, string name, TimeSpan time) =>
        new("testcase", new XAttribute("classname", classname), new XAttribute("name", name), new XAttribute("time", Seconds(time)));

    /// <summary>A failed case: the reason, the console's tail, and the whole serial log as its output and a Jenkins attachment.</summary>
    private static XElement FailedCase(string classname, string name, TimeSpan time, string message, string type, BootOutcome outcome, string serialLog)
    {
        var failed = Case(classname, name, time);
        failed.Add(
            new XElement("failure", new XAttribute("message", message), new XAttribute("type", type), XmlSafe(outcome.LogTail)),
            new XElement("system-out", XmlSafe(serialLog) + $"\n[[ATTACHMENT|{Path.GetFullPath(outcome.LogFile)}]]\n"));
        return failed;
    }

    private static XElement Property(string name, string value) => new("property", new XAttribute("name", name), new XAttribute("value", value));

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);

    private static string SerialLog(string file) => File.Exists(file) ? Encoding.Latin1.GetString(File.ReadAllBytes(file)) : $"(no serial log at {file})";

    /// <summary>A serial console carries escape sequences and other control bytes XML 1.0 cannot hold; they become U+FFFD.</summary>
    private static string XmlSafe(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            builder.Append(c is '\t' or '\n' or '\r' || (c >= 0x20 && c != 0xFFFE && c != 0xFFFF && !char.IsSurrogate(c)) ? c : '\uFFFD');
        }

        return builder.ToString();
    }
}
