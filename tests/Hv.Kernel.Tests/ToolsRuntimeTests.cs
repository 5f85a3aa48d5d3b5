using System.Collections.Immutable;
using System.Text;
using Hv.Kernel.Build;
using Hv.Kernel.Inspection;
using ImageBuilder.Common.Processes;

namespace Hv.Kernel.Tests;

public sealed class SystemdUnitTests
{
    [Fact]
    public void Enabling_links_the_unit_into_every_target_its_install_section_names()
    {
        const string unit = "[Unit]\nDescription=The Xen xenstore\nWantedBy=not-here.target\n\n[Service]\nExecStart=/x\n\n[Install]\nWantedBy=multi-user.target  xen.target\nRequiredBy=libvirtd.service\nAlso=proc-xen.mount\n";

        var links = SystemdUnit.EnableLinks("xenstored.service", "usr/lib/systemd/system/xenstored.service", unit);

        Assert.Equal(
            [
                ("etc/systemd/system/multi-user.target.wants/xenstored.service", "/usr/lib/systemd/system/xenstored.service"),
                ("etc/systemd/system/xen.target.wants/xenstored.service", "/usr/lib/systemd/system/xenstored.service"),
                ("etc/systemd/system/libvirtd.service.requires/xenstored.service", "/usr/lib/systemd/system/xenstored.service"),
            ],
            links.ToArray());
    }

    [Fact]
    public void A_unit_without_an_install_section_gets_no_links() =>
        Assert.Empty(SystemdUnit.EnableLinks("proc-xen.mount", "usr/lib/systemd/system/proc-xen.mount", "[Mount]\nWhat=xenfs\nWhere=/proc/xen\n"));
}

public sealed class RuntimeDependenciesTests
{
    [Theory]
    [InlineData("#!/bin/bash\necho", "/bin/bash")]
    [InlineData("#! /bin/bash -e\n", "/bin/bash")]
    [InlineData("#!/usr/bin/env python3\nimport os", "/usr/bin/python3")]
    [InlineData("#!/bin/sh", "/bin/sh")]
    [InlineData("echo #!/bin/sh", null)]
    [InlineData("#!\n", null)]
    public void A_scripts_interpreter_comes_from_its_first_line(string text, string? interpreter) =>
        Assert.Equal(interpreter, RuntimeDependencies.Interpreter(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Libraries_resolve_through_the_runpath_with_origin_then_the_system_folders()
    {
        var xl = new ElfObject("usr/lib/xen/bin/helper", new ElfDynamic(["libxenfsimage.so.4.17", "libyajl.so.2", "libgone.so.1"], ["$ORIGIN/../lib"], null, "/lib64/ld-linux-x86-64.so.2"));
        var present = new HashSet<string>(StringComparer.Ordinal) { "usr/lib/xen/lib/libxenfsimage.so.4.17", "usr/lib/x86_64-linux-gnu/libyajl.so.2" };

        Assert.Equal("usr/lib/xen/lib/libxenfsimage.so.4.17", RuntimeDependencies.Locate(xl, "libxenfsimage.so.4.17", present.Contains));
        Assert.Equal("usr/lib/x86_64-linux-gnu/libyajl.so.2", RuntimeDependencies.Locate(xl, "libyajl.so.2", present.Contains));
        Assert.Equal(["usr/lib/xen/bin/helper needs libgone.so.1"], RuntimeDependencies.Unresolved([xl], present.Contains));
    }

    [Fact]
    public void A_tree_with_a_compiled_program_and_a_library_of_its_own_needs_only_what_is_outside()
    {
        string root = Directory.CreateTempSubdirectory("runtime-").FullName;
        try
        {
            string src = Path.Combine(root, "src");
            Directory.CreateDirectory(src);
            Directory.CreateDirectory(Path.Combine(root, "tree/usr/lib"));
            Directory.CreateDirectory(Path.Combine(root, "tree/usr/sbin"));
            Directory.CreateDirectory(Path.Combine(root, "tree/usr/include"));
            File.WriteAllText(Path.Combine(src, "own.c"), "#include <zlib.h>\nconst char *own(void) { return zlibVersion(); }\n");
            File.WriteAllText(Path.Combine(src, "main.c"), "const char *own(void);\nint main(void) { return own()[0] == 0; }\n");
            Gcc("-shared", "-fPIC", "-o", Path.Combine(root, "tree/usr/lib/libown.so.1"), "-Wl,-soname,libown.so.1", Path.Combine(src, "own.c"), "-lz");
            Gcc("-o", Path.Combine(root, "tree/usr/sbin/tool"), Path.Combine(src, "main.c"), Path.Combine(root, "tree/usr/lib/libown.so.1"));
            File.WriteAllText(Path.Combine(root, "tree/usr/sbin/helper"), "#!/bin/bash\nexit 0\n");
            File.SetUnixFileMode(Path.Combine(root, "tree/usr/sbin/helper"), (UnixFileMode)0x1ED);
            File.WriteAllText(Path.Combine(root, "tree/usr/lib/module.py"), "#!/usr/bin/env python\n");
            File.WriteAllText(Path.Combine(root, "tree/usr/include/hidden.sh"), "#!/usr/bin/perl\n");

            var needs = RuntimeDependencies.Scan(Path.Combine(root, "tree"), p => !p.StartsWith("usr/include", StringComparison.Ordinal));

            Assert.Equal(["libc.so.6", "libz.so.1"], needs.ExternalLibraries.ToArray());
            Assert.Equal(["/bin/bash"], needs.Interpreters.ToArray());
            Assert.Equal(["usr/lib/libown.so.1", "usr/sbin/tool"], needs.Objects.Select(o => o.Path).ToArray());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Packages_are_found_by_the_roots_dpkg_database()
    {
        // The host is a Debian root too: its libc, bash and /bin/sh (diverted by dash) belong to libc6, bash and dash.
        var owners = await PackageOwners.FindAsync("/", ["libc.so.6", "libnot-a-library.so.9"], ["/usr/bin/bash", "/bin/sh", "/usr/bin/not-a-program"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("/bin/sh", "dash"), KeyValuePair.Create("/usr/bin/bash", "bash"), KeyValuePair.Create("libc.so.6", "libc6")]),
            owners);
    }

    [Theory]
    [InlineData("usr/sbin/xl", true)]
    [InlineData("usr/lib/libxenlight.so.4.17.0", true)]
    [InlineData("usr/lib/libxenlight.a", false)]
    [InlineData("usr/include/libxl.h", false)]
    [InlineData("usr/lib/pkgconfig/xenlight.pc", false)]
    [InlineData("usr/lib/debug/usr/lib/xen/boot/hvmloader", false)]
    [InlineData("var/run/xen", false)]
    [InlineData("var/lib/xen", true)]
    public void The_dom0_gets_the_runtime_part_of_the_staged_tools(string path, bool runtime) =>
        Assert.Equal(runtime, XenToolsBuild.IsRuntimeFile(path));

    private static void Gcc(params string[] arguments) => ProcessRunner.Run(ProcessSpec.Of("gcc", arguments));
}
