import SpanlogTestSupport
import Foundation
import Testing

/// The README's "Instrument your program" snippets, run as a user would paste them, under
/// `spanlog run`: each one's line lands in its `checkout` span, with its args.
@Suite(.serialized, .enabled(if: KernelSupport.available, Comment(rawValue: KernelSupport.skipReason ?? "")))
struct ReadmeSnippetTests {
    static let repository = Repository.root

    /// The fenced code blocks of the section, by language.
    static let snippets: [String: String] = {
        let readme = (try? String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
        guard let start = readme.range(of: "## Instrument your program") else { return [:] }
        let section = readme[start.upperBound...].prefix { _ in true }
        let end = section.range(of: "\n## ")?.lowerBound ?? section.endIndex
        var blocks: [String: String] = [:]
        var language: String?
        var lines: [Substring] = []
        for line in section[..<end].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if let current = language {
                    blocks[current] = lines.joined(separator: "\n") + "\n"
                    language = nil
                } else {
                    language = String(line.dropFirst(3))
                    lines = []
                }
            } else if language != nil {
                lines.append(line)
            }
        }
        return blocks
    }()

    func expectCheckoutSpan(_ command: [String], in workspace: Workspace) throws {
        let result = try SpanlogBinary.run(["run", "--format", "json", "--no-default-rules", "--"] + command, in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.lines.first { $0["text"] as? String == "charging card" }, "\(result.stdout)")
        #expect((line["span"] as? [String: Any])?["tags"] as? [String] == ["checkout"])
        let span = try #require(result.spans.first { $0["tags"] as? [String] == ["checkout"] })
        #expect(span["enter_args"] as? [String: String] == ["user": "42"])
        #expect(span["exit_args"] as? [String: String] == ["status": "200"])
        #expect(span["lines"] as? Int == 1)
        #expect(result.stats?["marker_errors"] as? Int == 0)
    }

    @Test func theSectionHasEverySnippet() {
        #expect(Set(Self.snippets.keys) == ["sh", "python", "js", "c", "go"])
    }

    @Test func shell() throws {
        let workspace = try Workspace()
        try workspace.write("snippet.sh", try #require(Self.snippets["sh"]))
        try expectCheckoutSpan(["/bin/bash", workspace.path("snippet.sh")], in: workspace)
    }

    @Test func python() throws {
        let workspace = try Workspace()
        try workspace.write("snippet.py", try #require(Self.snippets["python"]))
        try expectCheckoutSpan(["/usr/bin/python3", workspace.path("snippet.py")], in: workspace)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/node"), "node is not installed"))
    func node() throws {
        let workspace = try Workspace()
        try workspace.write("snippet.js", try #require(Self.snippets["js"]))
        try expectCheckoutSpan(["/usr/bin/node", workspace.path("snippet.js")], in: workspace)
    }

    @Test func c() throws {
        let workspace = try Workspace()
        try workspace.write("snippet.c", try #require(Self.snippets["c"]))
        #expect(try workspace.runTool("/usr/bin/gcc", ["-o", workspace.path("snippet"), workspace.path("snippet.c")]) == 0)
        try expectCheckoutSpan([workspace.path("snippet")], in: workspace)
        // Fully buffered stdout (a pipe): the fflush keeps the line inside its span.
        let piped = try SpanlogBinary.run(["run", "--format", "json", "--no-pty", "--no-default-rules", "--",
                                           workspace.path("snippet")], in: workspace.url)
        let line = try #require(piped.lines.first { $0["text"] as? String == "charging card" })
        #expect((line["span"] as? [String: Any])?["tags"] as? [String] == ["checkout"])
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/go"),
                   "Go is not installed (Debian's golang-go); the Go snippet is not run here"))
    func go() throws {
        let workspace = try Workspace()
        try workspace.write("snippet.go", try #require(Self.snippets["go"]))
        #expect(try workspace.runTool("/usr/bin/go", ["build", "-o", workspace.path("snippet"), workspace.path("snippet.go")]) == 0)
        try expectCheckoutSpan([workspace.path("snippet")], in: workspace)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: ReadmeSnippetTests.sysdigTracers + "/sysdig_tracers.py"),
                   "sysdig-tracers is not installed (scripts/setup.sh installs it from PyPI into .build-tools/python)"))
    func theSysdigTracersPackageWorksUnchanged() throws {
        let workspace = try Workspace()
        try workspace.write("tracers.py", """
            import sys
            sys.path.insert(0, sys.argv[1])
            from sysdig_tracers import Tracer
            with Tracer("checkout", enter_args={"user": "42"}):
                print("charging card", flush=True)
            """)
        let result = try SpanlogBinary.run(["run", "--format", "json", "--no-default-rules", "--", "/usr/bin/python3",
                                            workspace.path("tracers.py"), Self.sysdigTracers], in: workspace.url)
        let line = try #require(result.lines.first { $0["text"] as? String == "charging card" }, "\(result.stdout)")
        #expect((line["span"] as? [String: Any])?["tags"] as? [String] == ["checkout"])
        #expect(result.spans.first?["enter_args"] as? [String: String] == ["user": "42"])
    }

    static let sysdigTracers = repository.appendingPathComponent(".build-tools/python").path
}
