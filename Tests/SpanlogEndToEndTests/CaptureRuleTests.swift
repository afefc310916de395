import SpanlogTestSupport
import Foundation
import Testing

/// Spec 3's capture rules on real shell plumbing: output into pipes the traced tree made and
/// into files that are not logs is left out and counted; redirections to logs are file lines;
/// `>&2` is stderr where stdout and stderr differ.
@Suite(.serialized, .enabled(if: KernelSupport.available, Comment(rawValue: KernelSupport.skipReason ?? "")))
struct CaptureRuleTests {
    @Test func aScriptsPlumbingIsCapturedAsASpectatorWouldSeeIt() throws {
        let workspace = try Workspace()
        let script = try workspace.workload("plumbing.sh")
        let result = try SpanlogBinary.run(["run", "--no-pty", "--format", "json", "--", "/bin/bash", script],
                                           in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.lines.map { ($0["text"] as? String ?? "", $0["stream"] as? String ?? "") }
        let texts = lines.map(\.0)
        #expect(texts.contains("name is inner-substitution"))
        #expect(!texts.contains("inner-substitution"), "a $(…) is not output")
        #expect(texts.filter { ["a", "b", "c", "A", "C"].contains($0) } == ["A", "C"],
                "only the end of the pipeline reaches the outside")
        #expect(!texts.contains("heredoc body"), "a heredoc into a file that is not a log is not output")
        let logLine = try #require(result.lines.first { $0["text"] as? String == "to the log" })
        #expect(logLine["stream"] as? String == "file")
        #expect((logLine["path"] as? String)?.hasSuffix("/app.log") == true)
        #expect(lines.first { $0.0 == "oops" }?.1 == "stderr", "bash's >&2 is stderr when the two differ")
        #expect(lines.first { $0.0 == "name is inner-substitution" }?.1 == "stdout")
        // Every captured line is in the script's span.
        #expect(result.lines.allSatisfy { ($0["span"] as? [String: Any])?["tags"] as? [String] == ["job"] })

        let stats = try #require(result.stats)
        #expect(stats["skipped_pipe_writes"] as? Int ?? 0 >= 3, "$(…), printf and grep wrote into the script's pipes")
        #expect(stats["skipped_file_writes"] as? Int ?? 0 >= 1, "cat wrote the heredoc into generated.txt")
        #expect(try String(contentsOfFile: workspace.path("generated.txt"), encoding: .utf8) == "heredoc body\n")
    }

    /// A process traced by pid whose stdout already was a plain file (`./server > out.txt`):
    /// that file is its stdout, so its lines are captured as stdout.
    @Test func aFileThatWasTheStdoutWhenTracingBeganIsStdout() throws {
        let workspace = try Workspace()
        let writer = try Background("/bin/bash", ["-c", """
            exec > \(workspace.path("out.txt"))
            echo ready >&2
            read -r _
            echo "into out.txt"
            echo "scratch" > \(workspace.path("scratch.txt"))
            """], stdoutIsSignal: false)
        defer { writer.kill() }
        #expect(writer.waitForLine(containing: "ready") != nil)
        let tail = try TailSession(["--pid", String(writer.process.processIdentifier)], in: workspace)
        writer.send("go")
        #expect(writer.wait() == 0)
        let result = try tail.stop()
        let line = try #require(result.lines.first { $0["text"] as? String == "into out.txt" })
        #expect(line["stream"] as? String == "stdout")
        #expect(!result.lines.contains { $0["text"] as? String == "scratch" })
    }
}
