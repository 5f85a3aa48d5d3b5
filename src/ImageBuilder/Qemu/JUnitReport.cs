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
        var suites = new XElement(
            "testsuites",
            new XAttribute("name", $"imagebuilder test {name}"),
            new XAttribute("tests", results.Sum(r => r.Checks.Length + (FailedWithEveryCheckSeen(r) ? 1 : 0))),
            new XAttribute("failures", results.Sum(r => r.Checks.Count(c => c.SeenAt is null) + (FailedWithEveryCheckSeen(r) ? 1 : 0))),
            new XAttribute("errors", 0),
            new XAttribute("time", Seconds(results.Count == 0 ? TimeSpan.Zero : results.Max(r => r.Started + r.Elapsed) - results.Min(r => r.Started))));
        foreach (var result in results)
        {
            suites.Add(Suite(name, result));
        }

        return new XDocument(new XDeclaration("1.0", "UTF-8", null), suites);
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
        var suite = new XElement(
            "testsuite",
            new XAttribute("name", $"{image} {result.Path.Label}"),
            new XAttribute("tests", result.Checks.Length),
            new XAttribute("failures", result.Checks.Count(c => c.SeenAt is null)),
            new XAttribute("errors", 0),
            new XAttribute("skipped", 0),
            new XAttribute("time", Seconds(result.Elapsed)),
            new XAttribute("timestamp", result.Started.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)),
            new XAttribute("hostname", Environment.MachineName),
            new XElement(
                "properties",
                Property("firmware", result.Path.Firmware.ToString().ToLowerInvariant()),
                Property("media", result.Path.Media.ToString().ToLowerInvariant()),
                Property("serial_log", Path.GetFullPath(result.Outcome.LogFile))));

        var before = TimeSpan.Zero;
        foreach (var check in result.Checks.OrderBy(c => c.SeenAt ?? TimeSpan.MaxValue))
        {
            var testCase = new XElement(
                "testcase",
                new XAttribute("classname", $"{Path.GetFileNameWithoutExtension(image)}.{result.Path.Label}"),
                new XAttribute("name", check.Check.Name));
            if (check.SeenAt is { } at)
            {
                testCase.Add(new XAttribute("time", Seconds(at - before)));
                before = at;
            }
            else
            {
                testCase.Add(
                    new XAttribute("time", Seconds(result.Elapsed - before)),
                    new XElement(
                        "failure",
                        new XAttribute("message", $"not seen: {check.Check.Marker} ({result.Outcome.Reason})"),
                        new XAttribute("type", "MarkerNotSeen"),
                        XmlSafe(result.Outcome.LogTail)),
                    new XElement("system-out", XmlSafe(SerialLog(result.Outcome.LogFile)) + $"\n[[ATTACHMENT|{Path.GetFullPath(result.Outcome.LogFile)}]]\n"));
            }

            suite.Add(testCase);
        }

        if (FailedWithEveryCheckSeen(result))
        {
            // Every marker appeared, yet the boot failed (a failure text in the same output): a case says so.
            suite.SetAttributeValue("tests", result.Checks.Length + 1);
            suite.SetAttributeValue("failures", 1);
            suite.Add(new XElement(
                "testcase",
                new XAttribute("classname", $"{Path.GetFileNameWithoutExtension(image)}.{result.Path.Label}"),
                new XAttribute("name", "boot"),
                new XAttribute("time", Seconds(result.Elapsed - before)),
                new XElement("failure", new XAttribute("message", result.Outcome.Reason), new XAttribute("type", "BootFailed"), XmlSafe(result.Outcome.LogTail)),
                new XElement("system-out", XmlSafe(SerialLog(result.Outcome.LogFile)) + $"\n[[ATTACHMENT|{Path.GetFullPath(result.Outcome.LogFile)}]]\n")));
        }

        return suite;
    }

    private static bool FailedWithEveryCheckSeen(PathResult result) => !result.Outcome.Succeeded && result.Checks.All(c => c.SeenAt is not null);

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
