import Foundation
import SpanlogCore
import Testing

/// What a new user meets: the version, colour on a terminal, marker mistakes shown by default.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: Spanlog.url.path),
                "the spanlog binary is not built (swift build)"))
struct FirstUseTests {
    @Test func versionNamesTheCommitItWasBuiltFrom() throws {
        let result = try Spanlog.run(["--version"])
        #expect(result.status == 0)
        let match = try #require(result.stdout.wholeMatch(of: /spanlog (\d+\.\d+\.\d+) \(commit ([0-9a-f]{12}|unknown)\)\n/))
        #expect(!match.output.1.isEmpty)
    }

    /// Runs `spanlog replay` on a pseudo-terminal (util-linux `script`), as a person would.
    func onTerminal(_ arguments: [String], environment: [String: String]) throws -> String {
        let scratch = try Scratch()
        let command = ([Spanlog.url.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, scratch.path("typescript")]
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = nil
        env["TERM"] = "xterm"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return try String(contentsOfFile: scratch.path("typescript"), encoding: .utf8)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "util-linux script is not installed"))
    func colourOnlyWhereItHelps() throws {
        let scratch = try Scratch()
        try CaptureFixture.shop().write(to: scratch.url.appendingPathComponent("shop.cap"))
        let capture = scratch.path("shop.cap")
        let escape = "\u{1B}["
        #expect(try onTerminal(["replay", capture], environment: [:]).contains(escape), "a terminal gets colour")
        #expect(!(try onTerminal(["replay", capture], environment: ["NO_COLOR": "1"])).contains(escape))
        #expect(!(try onTerminal(["replay", capture], environment: ["NO_COLOR": ""])).contains(escape), "NO_COLOR set to anything")
        #expect(!(try onTerminal(["replay", capture], environment: ["TERM": "dumb"])).contains(escape))
        #expect(!(try onTerminal(["replay", capture, "--color", "never"], environment: [:])).contains(escape))
        #expect(try onTerminal(["replay", capture, "--color", "always"], environment: ["NO_COLOR": "1"]).contains(escape))
        let piped = try Spanlog.run(["replay", capture])
        #expect(!piped.stdout.contains(escape), "a pipe gets none")
        #expect(try Spanlog.run(["replay", capture, "--color", "always"]).stdout.contains(escape))
    }

    @Test func malformedMarkersAreShownByDefaultInBothFormats() throws {
        var fixture = CaptureFixture(requests: 1, linesPerRequest: 1)
        fixture.events.insert(.write(WriteEvent(timestamp: 1_001_500, pid: 700, tid: 700, fd: 3, target: .devNull,
                                                bytes: Array(">:t:job\n".utf8)[...])), at: 1)
        let scratch = try Scratch()
        try fixture.write(to: scratch.url.appendingPathComponent("typo.cap"))

        let text = try Spanlog.run(["replay", scratch.path("typo.cap")])
        #expect(text.stderr.contains("warning: marker_error: marker ends before its final delimiter"), "\(text.stderr)")
        #expect(text.stderr.contains("marker=\">:t:job\" column=8"))
        #expect(!text.stdout.contains("marker_error"), "the program's lines stay on stdout, unmixed")
        #expect(text.stdout.contains("spanlog: also: 1 malformed marker"))

        let json = try Spanlog.run(["replay", scratch.path("typo.cap"), "--format", "json"])
        let warning = try #require(jsonRecords(json.stdout).first { $0["kind"] as? String == "marker_error" })
        #expect(warning["column"] as? Int == 8)

        let quiet = try Spanlog.run(["replay", scratch.path("typo.cap"), "--quiet-marker-errors", "--format", "json"])
        #expect(!quiet.stdout.contains("\"kind\":\"marker_error\""))
        #expect(jsonRecords(quiet.stdout).last?["marker_errors"] as? Int == 1, "still counted")
    }
}
