import SpanlogTestSupport
import Foundation
import Testing

/// The packages scripts/package.sh builds (scripts/test.sh runs it before the tests), and what
/// the tests need to install them on bare Debian systems.
enum PackageSupport {
    static let dist = Repository.root.appendingPathComponent("dist")

    /// dist/spanlog_VERSION_amd64.deb, or nil when it has not been built.
    static let deb: URL? = file { $0.hasPrefix("spanlog_") && $0.hasSuffix("_amd64.deb") }
    static let tarball: URL? = file { $0.hasPrefix("spanlog-") && $0.hasSuffix("-linux-x86_64.tar.gz") }

    static func file(_ matching: (String) -> Bool) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dist.path)) ?? []
        return names.filter(matching).sorted().last.map { dist.appendingPathComponent($0) }
    }

    static let packageMissing: String? = deb == nil || tarball == nil
        ? "dist/ has no package: run bash scripts/package.sh (scripts/test.sh does)" : nil

    /// Why the packages cannot be installed into bare roots here, or nil.
    static let installSkipReason: String? = {
        if let missing = packageMissing { return missing }
        if geteuid() != 0 { return "needs root for debootstrap and chroot (CI runs as root)" }
        if access("/usr/sbin/debootstrap", X_OK) != 0 { return "debootstrap is not installed (bash scripts/setup.sh installs it)" }
        return nil
    }()

    /// Runs a tool; its status and its standard output and error together.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Workspace.outputFile()
        process.standardOutput = output.handle
        process.standardError = output.handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, output.read())
    }
}

extension Workspace {
    /// A file for a process's output (a pipe could fill up and block it), read back afterwards.
    static func outputFile() -> (handle: FileHandle, read: () -> String) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spanlog-output-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try! FileHandle(forWritingTo: url)
        return (handle, {
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: url)
            return text
        })
    }
}

/// The .deb and the tarball as files: lintian's verdict, the version, the contents.
@Suite(.enabled(if: PackageSupport.packageMissing == nil, Comment(rawValue: PackageSupport.packageMissing ?? "")))
struct PackageContentsTests {
    static let lintianMissing: String? = access("/usr/bin/lintian", X_OK) == 0
        ? PackageSupport.packageMissing : PackageSupport.packageMissing ?? "lintian is not installed (bash scripts/setup.sh installs it)"

    /// No error, and no warning but the ones docs/packaging.md lists as kept (there are none:
    /// the one error overridden, libyaml inside Yams, is listed there with its reason).
    @Test(.enabled(if: lintianMissing == nil, Comment(rawValue: lintianMissing ?? "")))
    func lintianFindsNoErrorsOrWarnings() throws {
        let deb = try #require(PackageSupport.deb)
        let (status, output) = try PackageSupport.run("/usr/bin/lintian", ["--fail-on", "error,warning", deb.path])
        let findings = output.split(separator: "\n").filter { $0.hasPrefix("E:") || $0.hasPrefix("W:") }
        #expect(status == 0 && findings.isEmpty, "\(output)")
        let overrides = try String(contentsOf: Repository.root.appendingPathComponent("packaging/debian/lintian-overrides"), encoding: .utf8)
        let documented = try String(contentsOf: Repository.root.appendingPathComponent("docs/packaging.md"), encoding: .utf8)
        for line in overrides.split(separator: "\n") where !line.hasPrefix("#") {
            let tag = line.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            #expect(documented.contains(tag), "docs/packaging.md does not list the lintian override \(tag)")
        }
    }

    /// The package's version is the binary's: VERSION from Sources/spanlog/Spanlog.swift, with
    /// +dirty.COMMIT when the tree had uncommitted changes, as `spanlog --version` says.
    @Test func theVersionIsTheBinarys() throws {
        let deb = try #require(PackageSupport.deb)
        let version = try PackageSupport.run("/usr/bin/dpkg-deb", ["-f", deb.path, "Version"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let workspace = try Workspace()
        #expect(try workspace.runTool("/usr/bin/dpkg-deb", ["-x", deb.path, workspace.url.path]) == 0)
        let said = try PackageSupport.run(workspace.path("usr/bin/spanlog"), ["--version"]).output
        let source = try String(contentsOf: Repository.root.appendingPathComponent("Sources/spanlog/Spanlog.swift"), encoding: .utf8)
        let declared = try #require(source.firstMatch(of: /static let version = "([^"]+)"/)).1
        #expect(said.hasPrefix("spanlog \(declared) (commit "), "\(said)")
        if said.contains("with uncommitted changes") {
            let commit = try #require(said.firstMatch(of: /commit ([0-9a-f]+)/)).1
            #expect(version == "\(declared)+dirty.\(commit)")
        } else {
            #expect(version == String(declared))
        }
        #expect(deb.lastPathComponent == "spanlog_\(version)_amd64.deb")
        #expect(PackageSupport.tarball?.lastPathComponent == "spanlog-\(version)-linux-x86_64.tar.gz")
    }

    /// Every piece in its Debian place; the binary stripped, without RUNPATH, needing nothing
    /// from the Swift toolchain; Depends on Debian's libraries.
    @Test func everyPieceIsInItsDebianPlace() throws {
        let deb = try #require(PackageSupport.deb)
        let listing = try PackageSupport.run("/usr/bin/dpkg-deb", ["-c", deb.path]).output
        for path in ["./usr/bin/spanlog", "./usr/lib/systemd/system/spanlog.service", "./etc/spanlog/spanlog.yaml",
                     "./etc/spanlog/rules.d/", "./usr/share/spanlog/rules/default.yaml", "./usr/share/man/man1/spanlog.1.gz",
                     "./usr/share/man/man5/spanlog-rules.5.gz", "./usr/share/bash-completion/completions/spanlog",
                     "./usr/share/zsh/vendor-completions/_spanlog", "./usr/share/fish/vendor_completions.d/spanlog.fish",
                     "./usr/lib/systemd/catalog/spanlog.catalog", "./usr/share/doc/spanlog/copyright",
                     "./usr/share/doc/spanlog/changelog.gz"] {
            #expect(listing.contains(" \(path)\n"), "\(path) is not in the package")
        }
        let conffiles = try PackageSupport.run("/usr/bin/dpkg-deb", ["-I", deb.path, "conffiles"]).output
        #expect(conffiles.contains("/etc/spanlog/spanlog.yaml"), "the configuration is not a conffile")
        let depends = try PackageSupport.run("/usr/bin/dpkg-deb", ["-f", deb.path, "Depends"]).output
        for library in ["libbpf1", "libelf1", "libsystemd0", "libncursesw6", "libc6"] {
            #expect(depends.contains(library), "Depends: \(depends)")
        }
        #expect(!depends.contains("swift"))
        let workspace = try Workspace()
        #expect(try workspace.runTool("/usr/bin/dpkg-deb", ["-x", deb.path, workspace.url.path]) == 0)
        let binary = workspace.path("usr/bin/spanlog")
        let dynamic = try PackageSupport.run("/usr/bin/readelf", ["-d", "-S", binary]).output
        #expect(!dynamic.contains("RUNPATH") && !dynamic.contains("RPATH"), "the binary searches a path of its own")
        #expect(!dynamic.contains(".debug_info") && !dynamic.contains(".symtab"), "the binary is not stripped")
        #expect(!dynamic.contains("libswift"), "the binary needs the Swift runtime's shared libraries")
        let unit = try String(contentsOfFile: workspace.path("usr/lib/systemd/system/spanlog.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/bin/spanlog daemon"))
    }

    /// The tarball: the same binary, the unit (for /usr/local), man pages, configuration, and
    /// an INSTALL naming the shared libraries the binary needs.
    @Test func theTarballHoldsTheBinaryUnitManualsAndConfiguration() throws {
        let tarball = try #require(PackageSupport.tarball)
        let listing = try PackageSupport.run("/bin/tar", ["-tzf", tarball.path]).output
        let top = tarball.lastPathComponent.replacingOccurrences(of: ".tar.gz", with: "")
        for path in ["bin/spanlog", "lib/systemd/system/spanlog.service", "share/man/man1/spanlog.1",
                     "share/man/man5/spanlog-rules.5", "etc/spanlog/spanlog.yaml", "INSTALL", "LICENSE"] {
            #expect(listing.contains("\(top)/\(path)\n"), "\(path) is not in the tarball")
        }
        let install = try PackageSupport.run("/bin/tar", ["-xzOf", tarball.path, "\(top)/INSTALL"]).output
        for library in ["libbpf.so.1", "libelf.so.1", "libsystemd.so.0", "libncursesw.so.6", "libz.so.1"] {
            #expect(install.contains(library), "INSTALL does not name \(library)")
        }
    }
}

/// The package installed the way a user installs it, `apt-get install ./spanlog_….deb`, in
/// bare Debian 12 and 13 roots (debootstrap minbase: no Swift, no build tools; made once and
/// kept in /var/tmp/spanlog-roots, used through an overlay): apt resolves the dependencies from
/// the archive, then `spanlog --version` and a `spanlog run` of a marker script work there.
@Suite(.enabled(if: PackageSupport.installSkipReason == nil, Comment(rawValue: PackageSupport.installSkipReason ?? "")))
struct BareDebianInstallTests {
    @Test(arguments: ["bookworm", "trixie"])
    func installsAndRunsOnABareDebian(suite: String) throws {
        let deb = try #require(PackageSupport.deb)
        let scripts = Repository.root.appendingPathComponent("scripts/package-check")
        let made = try PackageSupport.run("/bin/bash", [scripts.appendingPathComponent("debian-root.sh").path, suite])
        try #require(made.status == 0, "debootstrap \(suite): \(made.output)")
        let root = try #require(made.output.split(separator: "\n").last.map(String.init))

        let workspace = try Workspace()
        try workspace.write("marker.sh", """
            echo '>:t:checkout:user=42:' > /dev/null
            echo "paid in \(suite)"
            echo '<:t:checkout::' > /dev/null
            """)
        let inside = """
            apt-get install -y -q ./\(deb.lastPathComponent) > apt.log 2>&1 || { tail -20 apt.log; exit 1; }
            echo "VERSION $(spanlog --version)"
            echo "PACKAGE $(dpkg-query -W -f='${Version} ${Status}' spanlog)"
            for tool in swift swiftc clang gcc cc; do command -v $tool > /dev/null && echo "TOOLCHAIN $tool"; done
            spanlog run --format json -- sh marker.sh > run.jsonl 2> run.err; echo "RUN status=$?"
            sed 's/^/RECORD /' run.jsonl; sed 's/^/STDERR /' run.err
            """
        let (status, output) = try PackageSupport.run("/bin/bash", [scripts.appendingPathComponent("chroot.sh").path, root, inside],
                                                      environment: ["SPANLOG_CHROOT_COPY": "\(deb.path) \(workspace.path("marker.sh"))"])
        try #require(status == 0, "installing in \(suite) failed:\n\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        let version = try PackageSupport.run("/usr/bin/dpkg-deb", ["-f", deb.path, "Version"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(lines.contains("PACKAGE \(version) install ok installed"), "\(output)")
        let upstream = version.split(separator: "+").first.map(String.init) ?? version
        #expect(lines.contains { $0.hasPrefix("VERSION spanlog \(upstream) (commit ") }, "\(output)")
        #expect(!lines.contains { $0.hasPrefix("TOOLCHAIN") }, "the \(suite) root has a compiler: it is not bare")
        #expect(lines.contains("RUN status=0"), "\(output)")
        let records = lines.filter { $0.hasPrefix("RECORD ") }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.dropFirst(7).utf8)) as? [String: Any]
        }
        let line = records.first { $0["type"] as? String == "line" && $0["text"] as? String == "paid in \(suite)" }
        let span = line?["span"] as? [String: Any]
        #expect(span?["tags"] as? [String] == ["checkout"], "\(output)")
    }
}
