import SpanlogTestSupport
import Foundation
import Testing

/// docs/markers.md's recipes (docs/recipes/), each run for real under `spanlog run`: every line
/// lands in the span of the request, step or target that wrote it.
@Suite(.serialized, .enabled(if: KernelSupport.available, Comment(rawValue: KernelSupport.skipReason ?? "")))
struct RecipeTests {
    static let recipes = ReadmeSnippetTests.repository.appendingPathComponent("docs/recipes")

    static func recipe(_ name: String) -> String { recipes.appendingPathComponent(name).path }

    static func args(_ span: [String: Any]?) -> [String: String] {
        var args: [String: String] = [:]
        for pair in span?["enter_args"] as? [String: Any] ?? [:] { args[pair.key] = "\(pair.value)" }
        return args
    }

    /// An async service (one thread, requests interleaved at every await): each line is in its
    /// own request, each query in its request's db span, and no request nests in another.
    static func checkAsyncService(_ result: SpanlogBinary.Result, requests: Int) throws {
        #expect(result.status == 0, "\(result.stderr)")
        let spans = Dictionary(uniqueKeysWithValues: result.spans.map { ($0["uid"] as? String ?? "", $0) })
        let requestSpans = result.spans.filter { $0["tags"] as? [String] == ["request"] }
        #expect(requestSpans.count == requests)
        #expect(requestSpans.allSatisfy { $0["parent"] is NSNull && $0["lines"] as? Int == 2 },
                "requests are roots, with their own two lines")
        var checked = 0
        for line in result.lines {
            let text = line["text"] as? String ?? ""
            let words = text.split(separator: " ")
            guard let index = words.firstIndex(of: "request"), index + 2 < words.count else { continue }
            let number = String(words[index + 1]), what = words[index + 2]
            let span = try #require(line["span"] as? [String: Any], "no span for \(text)")
            let uid = span["uid"] as? String ?? ""
            if what == "query" {
                #expect(span["tags"] as? [String] == ["request", "db"], "\(text)")
                let parent = spans[spans[uid]?["parent"] as? String ?? ""]
                #expect(args(parent)["n"] == number, "\(text) is in the db span of request \(number)")
            } else {
                #expect(span["tags"] as? [String] == ["request"], "\(text)")
                #expect(args(spans[uid])["n"] == number, "\(text) is in request \(number)")
            }
            checked += 1
        }
        #expect(checked == 3 * requests)
        #expect(result.stats?["unmatched_switches"] as? Int == 0)
        #expect(result.stats?["unmatched_exits"] as? Int == 0)
    }

    @Test func pythonAsyncioWithFortyConcurrentRequests() throws {
        let workspace = try Workspace()
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", "python3", Self.recipe("asyncio_service.py"), "40"],
                                           in: workspace.url)
        try Self.checkAsyncService(result, requests: 40)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/node"), "Node.js is not installed"))
    func nodeAsyncLocalStorage() throws {
        let workspace = try Workspace()
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", "/usr/bin/node", Self.recipe("node_service.js"), "40"],
                                           in: workspace.url)
        try Self.checkAsyncService(result, requests: 40)
    }

    @Test func threadedServerWithThreadSpans() throws {
        let workspace = try Workspace()
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", "python3", Self.recipe("threaded_server.py"), "20"],
                                           in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let spans = Dictionary(uniqueKeysWithValues: result.spans.map { ($0["uid"] as? String ?? "", $0) })
        #expect(spans.count == 20)
        for line in result.lines {
            let words = (line["text"] as? String ?? "").split(separator: " ")
            guard let index = words.firstIndex(of: "request") else { continue }
            let span = spans[(line["span"] as? [String: Any])?["uid"] as? String ?? ""]
            #expect(Self.args(span)["n"] == String(words[index + 1]), "\(words)")
            #expect(span?["tid"] as? Int == line["tid"] as? Int, "a t span holds its own thread's lines")
        }
        #expect(result.spans.filter { $0["errors"] as? Int == 1 }.count == 4)
    }

    @Test func shellScriptSteps() throws {
        let workspace = try Workspace()
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", "/bin/bash", Self.recipe("deploy.sh")],
                                           in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        func tags(of text: String) -> [String]? {
            (result.lines.first { $0["text"] as? String == text }?["span"] as? [String: Any])?["tags"] as? [String]
        }
        #expect(tags(of: "deploying release 42") == ["deploy"])
        #expect(tags(of: "built app") == ["deploy", "build"])
        #expect(tags(of: "uploaded part 2") == ["deploy", "upload"])
        #expect(tags(of: "upload slow") == ["deploy", "upload"])
        #expect(result.lines.count == 6, "nothing from $(…), seq or the C source file: \(result.lines.map { $0["text"] ?? "" })")
        #expect(result.spans.allSatisfy { $0["end_reason"] as? String == "exit_marker" })
    }

    /// `make -j2`: targets built side by side each keep their own lines, compiler warnings
    /// included, and never nest into each other.
    @Test func makefileTargetsUnderMakeJ2() throws {
        let workspace = try Workspace()
        try FileManager.default.copyItem(atPath: Self.recipe("Makefile"), toPath: workspace.path("Makefile"))
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", "make", "-j2"], in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let compiles = result.spans.filter { $0["tags"] as? [String] == ["compile"] }
        #expect(compiles.count == 3)
        #expect(compiles.allSatisfy { $0["parent"] is NSNull && $0["end_reason"] as? String == "exit_marker" })
        let byUID = Dictionary(uniqueKeysWithValues: compiles.map { ($0["uid"] as? String ?? "", Self.args($0)["target"] ?? "") })
        // make itself echoes each recipe before a shell runs it: those lines are make's.
        for line in result.lines where line["comm"] as? String != "make" {
            let text = line["text"] as? String ?? ""
            guard let target = ["first", "second", "third"].first(where: { text.contains("\($0).") }) else { continue }
            let owner = byUID[(line["span"] as? [String: Any])?["uid"] as? String ?? ""]
            #expect(owner == "\(target).o", "\(text) is in the span of \(target).o")
        }
        // On spanlog's terminal gcc colours its diagnostics; the level is read through them.
        let warnings = result.lines.filter { ($0["text"] as? String ?? "").contains("unused variable") }
        #expect(warnings.count == 3)
        #expect(warnings.allSatisfy { $0["level"] as? String == "warning" })
    }
}
