using ImageBuilder.Recipes;
using ImageBuilder.TestSupport;
using YamlDotNet.RepresentationModel;

namespace ImageBuilder.Tests.Recipes;

/// <summary>
/// The recipes' JSON Schema: the checked-in file is what the loader's shape writes, an independent validator
/// (python3-jsonschema, Draft 7, with ruamel.yaml reading the YAML as 1.2, as editors' language servers do) accepts every shipped recipe and refuses a misspelt
/// key where the loader does, and every key the shape declares is one the loader reads.
/// </summary>
public sealed class RecipeSchemaTests
{
    private const string SchemaLine = "# yaml-language-server: $schema=" + RecipeSchema.FileName;

    /// <summary>Checks the schema itself against Draft 7's metaschema, then prints "FILE: PATH: MESSAGE" per error.</summary>
    private const string Validator = """
        import json, sys, jsonschema
        from ruamel.yaml import YAML
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft7Validator.check_schema(schema)
        validator = jsonschema.Draft7Validator(schema)
        errors = 0
        for name in sys.argv[2:]:
            for error in validator.iter_errors(YAML(typ="safe").load(open(name))):
                errors += 1
                print(name + ": " + "/".join(map(str, error.path)) + ": " + error.message)
        sys.exit(1 if errors else 0)
        """;

    private static string SchemaFile => Repository.PathOf(Path.Combine("recipes", RecipeSchema.FileName));

    private static string[] ShippedRecipes => [.. Directory.GetFiles(Repository.PathOf("recipes"), "*.yaml").Order(StringComparer.Ordinal)];

    [Fact]
    public void The_checked_in_schema_is_the_one_the_loader_shape_writes()
    {
        Assert.True(
            File.ReadAllText(SchemaFile) == RecipeSchema.Json(),
            $"{SchemaFile} is stale: run `imagebuilder schema > recipes/{RecipeSchema.FileName}`");
    }

    [Fact]
    public void Imagebuilder_schema_prints_it()
    {
        var result = ImageBuilderCli.Run("schema");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(File.ReadAllText(SchemaFile), result.StandardOutput);
    }

    [Fact]
    public void Every_shipped_recipe_names_the_schema_first_and_loads()
    {
        Assert.NotEmpty(ShippedRecipes);
        foreach (string recipe in ShippedRecipes)
        {
            Assert.Equal(SchemaLine, File.ReadLines(recipe).First());
            Assert.Empty(RecipeLoader.Load(recipe).Diagnostics);
        }
    }

    [Fact]
    public void An_independent_validator_accepts_the_schema_and_every_shipped_recipe()
    {
        var result = Validate([.. ShippedRecipes, Repository.PathOf("tests/ImageBuilder.Tests/Recipes/Samples/valid.yaml")]);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
    }

    [Theory]
    [InlineData("volume_label: XEN_DEMO", "volume_lable: XEN_DEMO", "", "volume_lable")]
    [InlineData("  suite: bookworm", "  suite: bookworm\n  suit: trixie", "archive", "suit")]
    [InlineData("    memory: 128", "    memroy: 128", "guests/0", "memroy")]
    [InlineData("    hostname: xen-demo", "    hostname: xen-demo\n    host_name: demo", "dom0/rootfs", "host_name")]
    public void A_misspelt_key_is_refused_by_the_validator_and_by_the_loader(string from, string to, string at, string key)
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-demo.yaml"), "misspelt.yaml", (from, to));

        var result = Validate([recipe]);
        var loaded = RecipeLoader.Load(recipe);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{recipe}: {at}: Additional properties are not allowed ('{key}' was unexpected)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(loaded.Diagnostics, d => d.Message.Contains($"{key}: unknown key", StringComparison.Ordinal));
    }

    /// <summary>YAML 1.2 reads `off` as text (1.1 as false), a bare number as a number and `key:` as null: as the loader does.</summary>
    [Fact]
    public void Values_yaml_reads_as_another_type_are_accepted_where_the_loader_accepts_them()
    {
        using var dir = new TempDirectory();
        string recipe = RecipeVariant.Write(dir, Repository.PathOf("recipes/xen-minimal.yaml"), "typed.yaml", ("name: xen-minimal", "name: 2024\ndemo: off\nguests:"));

        var result = Validate([recipe]);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Empty(RecipeLoader.Load(recipe).Diagnostics);
    }

    [Fact]
    public void The_validator_refuses_what_the_loader_refuses_by_kind_bound_and_word()
    {
        var result = Validate([Repository.PathOf("tests/ImageBuilder.Tests/Recipes/Samples/many-errors.yaml")]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("boot/entries/0/type: 'hurd' is not one of ['xen', 'linux']", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("boot/serial/port: 9 is greater than the maximum of 3", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("boot/serial/speed: 1234 is not one of [9600, 19200, 38400, 57600, 115200]", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("epoch: 'yesterday' is not of type 'integer'", result.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// Each declared key, written into a valid recipe (its parents made as needed), is read by the loader: no
    /// "unknown key" for it and no shape mismatch thrown. The values are only of the right kind, so other
    /// diagnostics are expected.
    /// </summary>
    [Fact]
    public void Every_key_the_shape_declares_is_read_by_the_loader()
    {
        using var dir = new TempDirectory();
        string sample = Repository.PathOf("tests/ImageBuilder.Tests/Recipes/Samples/valid.yaml");
        int checkedKeys = 0;
        foreach (var path in Paths(RecipeShape.Recipe, []))
        {
            var stream = new YamlStream();
            using (var reader = new StringReader(File.ReadAllText(sample)))
            {
                stream.Load(reader);
            }

            var parent = Place((YamlMappingNode)stream.Documents[0].RootNode, path);
            parent.Children[new YamlScalarNode("zz_not_a_key")] = new YamlScalarNode("x");
            string recipe = Path.Combine(dir.Path, "every-key.yaml");
            using (var writer = new StreamWriter(recipe))
            {
                stream.Save(writer, assignAnchors: false);
            }

            string qualified = string.Join('.', path.Select(f => f.Kind == FieldKind.MappingList ? f.Name + "[]" : f.Name));
            var loaded = RecipeLoader.Load(recipe);
            // The mapping was finished (its stranger reported: an unknown key, or an unknown Xen option or make
            // variable name where the mapping takes free keys), and the declared key was read (not reported).
            Assert.Contains(loaded.Diagnostics, d => d.Message.Contains("zz_not_a_key", StringComparison.Ordinal));
            Assert.DoesNotContain(loaded.Diagnostics, d => d.Message.StartsWith($"{qualified}: unknown key", StringComparison.Ordinal));
            checkedKeys++;
        }

        Assert.True(checkedKeys > 60, $"only {checkedKeys} keys walked");
    }

    private static IEnumerable<Field[]> Paths(Shape shape, Field[] above)
    {
        foreach (var field in shape.Fields)
        {
            Field[] path = [.. above, field];
            yield return path;
            if (field.Shape is { } inner)
            {
                foreach (var deeper in Paths(inner, path))
                {
                    yield return deeper;
                }
            }
        }
    }

    /// <summary>Sets the last field of PATH to a value of its kind, making the mappings and lists above it; returns its mapping.</summary>
    private static YamlMappingNode Place(YamlMappingNode root, Field[] path)
    {
        var node = root;
        foreach (var field in path[..^1])
        {
            var key = new YamlScalarNode(field.Name);
            if (field.Kind == FieldKind.MappingList)
            {
                if (!node.Children.TryGetValue(key, out var list) || list is not YamlSequenceNode { Children.Count: > 0 })
                {
                    list = new YamlSequenceNode(new YamlMappingNode());
                    node.Children[key] = list;
                }

                node = (YamlMappingNode)((YamlSequenceNode)list).Children[0];
            }
            else
            {
                if (!node.Children.TryGetValue(key, out var child) || child is not YamlMappingNode)
                {
                    child = new YamlMappingNode();
                    node.Children[key] = child;
                }

                node = (YamlMappingNode)child;
            }
        }

        var last = path[^1];
        node.Children[new YamlScalarNode(last.Name)] = last.Kind switch
        {
            FieldKind.Text => new YamlScalarNode(last.Choices?.Words[0] ?? "x"),
            FieldKind.Number => new YamlScalarNode((last.Allowed.IsEmpty ? last.Minimum ?? 1 : last.Allowed[0]).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            FieldKind.Flag => new YamlScalarNode("true"),
            FieldKind.TextList => new YamlSequenceNode(new YamlScalarNode(last.Choices?.Words[0] ?? "x")),
            FieldKind.Mapping => new YamlMappingNode(),
            FieldKind.MappingList => new YamlSequenceNode(new YamlMappingNode()),
            _ => throw new ArgumentOutOfRangeException(nameof(path), last.Kind, "a field kind this test cannot write"),
        };
        return node;
    }

    private static ImageBuilder.Common.Processes.ProcessResult Validate(string[] recipes) =>
        Tool.RunUnchecked("python3", ["-c", Validator, SchemaFile, .. recipes]);
}
