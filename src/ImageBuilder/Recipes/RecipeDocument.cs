using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace ImageBuilder.Recipes;

/// <summary>
/// Reads a recipe file into one YAML node tree, or reports why not at a location. The parser's events are walked once
/// before any tree is built: that bounds the nesting (the tree builder recurses once per level, and 50,000 '[' would
/// overflow the stack), finds a second document where it starts, and locates the failures the parser reports without
/// a position.
/// </summary>
internal static class RecipeDocument
{
    /// <summary>Far deeper than any recipe (they nest four levels); far shallower than the stack allows.</summary>
    public const int MaxDepth = 64;

    /// <summary>Recipes are a few KiB; this bounds what a mistaken path (an image, a log) makes us read.</summary>
    public const long MaxBytes = 1 << 20;

    public static YamlNode? Read(string path, DiagnosticSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            sink.Error(Mark.Empty, Directory.Exists(path) ? "this is a folder, not a recipe file" : "recipe file not found");
            return null;
        }

        if (info.Length > MaxBytes)
        {
            sink.Error(Mark.Empty, $"the file is {info.Length} bytes; a recipe is at most {MaxBytes} (is this the right file?)");
            return null;
        }

        string text = File.ReadAllText(path);
        if (!Scan(text, sink))
        {
            return null;
        }

        var stream = new YamlStream();
        var parser = new TrackingParser(new Parser(new StringReader(text)));
        try
        {
            stream.Load(parser);
        }
        catch (Exception e) when (e is YamlException or ArgumentException or InvalidOperationException)
        {
            // The events parsed, but the node tree cannot hold them (an alias to a missing anchor, a key-less entry):
            // the event being read is where the mistake is.
            sink.Error(parser.Current?.Start ?? Mark.Empty, "YAML: " + e.Message);
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            sink.Error(Mark.Empty, "the recipe is empty");
            return null;
        }

        return stream.Documents[0].RootNode;
    }

    private static bool Scan(string text, DiagnosticSink sink)
    {
        var parser = new Parser(new StringReader(text));
        var open = new Stack<NodeEvent>();
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        int documents = 0;
        var last = Mark.Empty;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                if (current is NodeEvent { Anchor.IsEmpty: false } node)
                {
                    anchors.Add(node.Anchor.Value);
                }

                switch (current)
                {
                    case AnchorAlias alias when !anchors.Contains(alias.Value.Value):
                        sink.Error(current.Start, $"YAML: the alias '*{alias.Value.Value}' names no anchor ('&{alias.Value.Value}') defined before it");
                        return false;
                    case DocumentStart when ++documents > 1:
                        sink.Error(current.Start, "a second YAML document starts here; a recipe is one document");
                        return false;
                    case SequenceStart or MappingStart when open.Count == MaxDepth:
                        sink.Error(current.Start, $"nested deeper than {MaxDepth} levels");
                        return false;
                    case SequenceStart or MappingStart:
                        open.Push((NodeEvent)current);
                        break;
                    case SequenceEnd or MappingEnd:
                        open.Pop();
                        break;
                }

                last = current.End;
            }
        }
        catch (YamlException e)
        {
            var (at, message) = Located(text, e);
            sink.Error(at, "YAML syntax: " + message);
            return false;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up on a flow collection that is never closed without saying where; the
            // opening bracket is where the mistake is.
            var flow = open.FirstOrDefault(e => e is SequenceStart { Style: SequenceStyle.Flow } or MappingStart { Style: MappingStyle.Flow });
            string what = flow switch
            {
                SequenceStart => "this '[' is never closed by ']'",
                MappingStart => "this '{' is never closed by '}'",
                _ => "the document cannot be parsed after this point",
            };
            sink.Error(flow?.Start ?? last, "YAML syntax: " + what);
            return false;
        }

        if (documents == 0)
        {
            sink.Error(Mark.Empty, "the recipe is empty");
            return false;
        }

        return true;
    }

    /// <summary>
    /// YamlDotNet reports a tab in indentation at the end of the line before it; the tab itself is the better place.
    /// </summary>
    private static (Mark At, string Message) Located(string text, YamlException e)
    {
        if (!e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase))
        {
            return (e.Start, e.Message);
        }

        int line = (int)e.Start.Line;
        int lineStart = (int)Math.Min(e.Start.Index, text.Length);
        while (lineStart > 0 && text[lineStart - 1] != '\n')
        {
            lineStart--;
        }

        for (int at = lineStart, column = 1; at < text.Length; at++, column++)
        {
            char c = text[at];
            if (c == '\t')
            {
                return (new Mark(at, line, column), "a tab in indentation; YAML indents with spaces only");
            }

            if (c == '\n')
            {
                line++;
                column = 0;
            }
            else if (c != ' ')
            {
                // Past this line's indentation: skip to the next line.
                int next = text.IndexOf('\n', at);
                if (next < 0 || line > e.End.Line + 1)
                {
                    break;
                }

                at = next;
                line++;
                column = 0;
            }
        }

        return (e.Start, e.Message);
    }

    /// <summary>A parser that remembers the event it gave last, to locate failures of the node tree built from it.</summary>
    private sealed class TrackingParser(IParser inner) : IParser
    {
        public ParsingEvent? Current => inner.Current;

        public bool MoveNext() => inner.MoveNext();
    }
}
