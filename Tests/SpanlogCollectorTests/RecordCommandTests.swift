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
