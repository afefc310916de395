import SpanlogTestSupport
import Foundation
import Testing

/// `spanlog record -- cmd` shows the command's own output, then one line saying what it wrote.
@Suite(.serialized, .enabled(if: KernelSupport.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/script"),
                             Comment(rawValue: KernelSupport.skipReason ?? "util-linux script is not installed")))
struct RecordPassThroughTests {
    @Test func recordShowsTheCommandAndEndsWithASummary() throws {
        let workspace = try Workspace()
        let capture = workspace.path("job.cap")
        let command = "\(SpanlogBinary.url.path) record -w \(capture) -- /bin/bash -c 'echo \">:t:job::\" > /dev/null; echo visible output; echo \"<:t:job::\" > /dev/null'"
        let status = try workspace.runTool("/usr/bin/script", ["-qec", command, workspace.path("typescript")])
        #expect(status == 0)
        // A terminal ends lines with \r\n (one Character to Swift): drop the \r.
        let screen = try String(contentsOfFile: workspace.path("typescript"), encoding: .utf8)
            .replacingOccurrences(of: "\r", with: "")
        #expect(screen.contains("visible output"), "\(screen)")
        let summary = try #require(screen.split(separator: "\n").first { $0.hasPrefix("spanlog record: ") }.map(String.init),
                                   "\(screen)")
        #expect(summary.contains("written to \(capture); nothing lost"))
        #expect(summary.wholeMatch(of: /spanlog record: \d+ events \([\d.]+ (B|KiB)\) written to .*/) != nil, "\(summary)")
        let replay = try SpanlogBinary.run(["replay", capture, "--format", "json"], in: workspace.url)
        #expect(replay.lines.contains { $0["text"] as? String == "visible output" })
    }
}

/// A recorder that was killed leaves a capture without its end record; replay processes it all,
/// then says it ends early, with the offset, and exits 1. A clean stop replays with status 0.
@Suite(.serialized, .enabled(if: KernelSupport.available, Comment(rawValue: KernelSupport.skipReason ?? "")))
struct CaptureEndTests {
    @Test func aKilledRecorderLeavesACaptureThatReplaysAsCutShort() throws {
        let workspace = try Workspace()
        let capture = workspace.path("killed.cap")
        let recorder = Process()
        recorder.executableURL = SpanlogBinary.url
        recorder.arguments = ["record", "-w", capture, "--no-pty", "--", "/bin/bash", "-c", "echo started; exec /bin/sleep 60"]
        recorder.standardOutput = FileHandle.nullDevice
        recorder.standardError = FileHandle.nullDevice
        try recorder.run()
        // The line is in the file once the recorder has flushed it (it does every poll).
        var replayed = SpanlogBinary.Result(status: -1, stdout: "", stderr: "")
        for _ in 0..<400 where !replayed.stdout.contains("\"text\":\"started\"") {
            usleep(25_000)
            replayed = try SpanlogBinary.run(["replay", capture, "--format", "json"], in: workspace.url)
        }
        kill(recorder.processIdentifier, SIGKILL)
        recorder.waitUntilExit()
        let result = try SpanlogBinary.run(["replay", capture, "--format", "json"], in: workspace.url)
        #expect(result.status == 1)
        #expect(result.lines.contains { $0["text"] as? String == "started" }, "everything before the end is processed")
        #expect(result.stderr.contains("ends early"), "\(result.stderr)")
        #expect(result.stderr.contains("byte offset"))
    }

    @Test func aCleanStopEndsTheCaptureWithItsCounts() throws {
        let workspace = try Workspace()
        let capture = workspace.path("clean.cap")
        let recorded = try SpanlogBinary.run(["record", "-w", capture, "--no-pty", "--", "/bin/echo", "hello"], in: workspace.url)
        #expect(recorded.status == 0)
        let result = try SpanlogBinary.run(["replay", capture, "--format", "json"], in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
    }
}
