import SpanlogTestSupport
import Foundation
import SpanlogCore
import Testing

/// What a new user meets: the version, colour on a terminal, marker mistakes shown by default.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: SpanlogBinary.url.path),
                "the spanlog binary is not built (swift build)"))
struct FirstUseTests {
    @Test func versionNamesTheCommitItWasBuiltFrom() throws {
        let result = try SpanlogBinary.run(["--version"])
        #expect(result.status == 0)
        let match = try #require(result.stdout.wholeMatch(
            of: /spanlog (\d+\.\d+\.\d+) \(commit ([0-9a-f]{12}|unknown)(, with uncommitted changes)?\)\n/))
        #expect(!match.output.1.isEmpty)
        // Built from this tree's commit, it says it had changes exactly when git does. (A binary
        // built before the latest commit names the commit it was built from: nothing to compare.)
        let repository = Repository.root
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/git"),
              FileManager.default.fileExists(atPath: repository.appendingPathComponent(".git").path) else { return }
        func git(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            process.arguments = ["-c", "safe.directory=*", "-C", repository.path] + arguments
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text
        }
        let head = try git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard String(match.output.2) == String(head.prefix(12)) else { return }
        let changes = try git(["status", "--porcelain", "--untracked-files=no"])
        #expect((match.output.3 != nil) == !changes.isEmpty, "\(result.stdout)")
    }

    /// Runs `spanlog replay` on a pseudo-terminal (util-linux `script`), as a person would.
    func onTerminal(_ arguments: [String], environment: [String: String]) throws -> String {
        let scratch = try Scratch()
        let command = ([SpanlogBinary.url.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
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
        let piped = try SpanlogBinary.run(["replay", capture])
        #expect(!piped.stdout.contains(escape), "a pipe gets none")
        #expect(try SpanlogBinary.run(["replay", capture, "--color", "always"]).stdout.contains(escape))
    }

    @Test func malformedMarkersAreShownByDefaultInBothFormats() throws {
        var fixture = CaptureFixture(requests: 1, linesPerRequest: 1)
        fixture.events.insert(.write(WriteEvent(timestamp: 1_001_500, pid: 700, tid: 700, fd: 3, target: .devNull,
                                                bytes: Array(">:t:job\n".utf8)[...])), at: 1)
        let scratch = try Scratch()
        try fixture.write(to: scratch.url.appendingPathComponent("typo.cap"))

        let text = try SpanlogBinary.run(["replay", scratch.path("typo.cap")])
        #expect(text.stderr.contains("warning: marker_error: marker ends before its final delimiter"), "\(text.stderr)")
        #expect(text.stderr.contains("marker=\">:t:job\" column=8"))
        #expect(!text.stdout.contains("marker_error"), "the program's lines stay on stdout, unmixed")
        #expect(text.stdout.contains("spanlog: also: 1 malformed marker"))

        let json = try SpanlogBinary.run(["replay", scratch.path("typo.cap"), "--format", "json"])
        let warning = try #require(jsonRecords(json.stdout).first { $0["kind"] as? String == "marker_error" })
        #expect(warning["column"] as? Int == 8)

        let quiet = try SpanlogBinary.run(["replay", scratch.path("typo.cap"), "--quiet-marker-errors", "--format", "json"])
        #expect(!quiet.stdout.contains("\"kind\":\"marker_error\""))
        #expect(jsonRecords(quiet.stdout).last?["marker_errors"] as? Int == 1, "still counted")
    }

    @Test func aMissingProgramIsNamedAsWhatItIs() throws {
        let path = try SpanlogBinary.run(["run", "--", "./no-such-program"])
        #expect(path.status == 2)
        #expect(path.stderr.contains("cannot run './no-such-program': ./no-such-program does not exist"), "\(path.stderr)")
        let name = try SpanlogBinary.run(["run", "--", "no-such-program-in-path"])
        #expect(name.stderr.contains("no such command in PATH"), "\(name.stderr)")
        let directory = try SpanlogBinary.run(["run", "--", "/tmp"])
        #expect(directory.stderr.contains("/tmp is a directory"), "\(directory.stderr)")
    }

    @Test func replayingJSONOutputSaysWhatTheFileIs() throws {
        let scratch = try Scratch()
        try CaptureFixture().write(to: scratch.url.appendingPathComponent("run.cap"))
        let json = try SpanlogBinary.run(["replay", scratch.path("run.cap"), "--format", "json"])
        try json.stdout.write(toFile: scratch.path("out.jsonl"), atomically: true, encoding: .utf8)
        let result = try SpanlogBinary.run(["replay", scratch.path("out.jsonl")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("not a spanlog capture: it is spanlog's JSON output"), "\(result.stderr)")
        #expect(!result.stderr.contains("damaged"))
    }

    @Test func markersLintAndRunCallTheSameLinesMalformed() throws {
        let scratch = try Scratch()
        // A slip (the first colon left out), a real marker, and output that is no marker at all.
        let lines = [">t:checkout::", ">:t:checkout::", "<42:job::", "hello", "<html>"]
        try lines.joined(separator: "\n").write(toFile: scratch.path("markers.txt"), atomically: true, encoding: .utf8)
        let lint = try SpanlogBinary.run(["markers", "lint", scratch.path("markers.txt")])
        let malformedByLint = lint.stdout.split(separator: "\n").filter { $0.contains(": error:") && !$0.contains("not a marker") }
        #expect(malformedByLint.count == 2, "\(lint.stdout)")

        var fixture = CaptureFixture(requests: 0, linesPerRequest: 0)
        fixture.markerWrite(lines.joined(separator: "\n") + "\n")
        try fixture.write(to: scratch.url.appendingPathComponent("markers.cap"))
        let replay = try SpanlogBinary.run(["replay", scratch.path("markers.cap"), "--format", "json"])
        let stats = try #require(jsonRecords(replay.stdout).last)
        #expect(stats["marker_errors"] as? Int == malformedByLint.count)
        #expect(stats["discarded_lines"] as? Int == 2)
    }

    @Test func countsReadInTheSingularWhenThereIsOne() throws {
        let scratch = try Scratch()
        var fixture = CaptureFixture(requests: 0, linesPerRequest: 0)
        fixture.markerWrite("not a marker\n")
        try fixture.write(to: scratch.url.appendingPathComponent("one.cap"))
        let result = try SpanlogBinary.run(["replay", scratch.path("one.cap"), "--no-default-rules", "--color", "never"])
        #expect(result.stdout.contains("1 line written to /dev/null but not like a marker"), "\(result.stdout)")
        #expect(!result.stdout.contains("1 lines") && !result.stdout.contains("1 spans") && !result.stdout.contains("1 markers"))
        #expect(Wording.count(1, "entry", plural: "entries") == "1 entry" && Wording.count(2, "line") == "2 lines")
    }
    @Test(.enabled(if: KernelSupport.available, Comment(rawValue: KernelSupport.skipReason ?? "")))
    func tailOfANameNoProcessHasSaysSoAtOnceAndNamesTheLikelyOne() throws {
        // A process named pyhton3's near neighbour runs; none named pyhton3 does.
        let workspace = try Workspace()
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: workspace.path("python3"))
        let neighbour = Process()
        neighbour.executableURL = URL(fileURLWithPath: workspace.path("python3"))
        neighbour.arguments = ["30"]
        try neighbour.run()
        defer { kill(neighbour.processIdentifier, SIGKILL); neighbour.waitUntilExit() }
        let tail = try Background(SpanlogBinary.url.path, ["tail", "--comm", "pyhton3", "--format", "json"],
                                  stdoutIsSignal: false)
        defer { tail.kill() }
        let notice = tail.waitForLine(containing: "pyhton3 runs now")
        #expect(notice == "spanlog: no process named pyhton3 runs now; spanlog waits for one to start (did you mean --comm python3?)")
    }

    @Test func aMistypedCommandIsNamedWithTheOneItMostLikelyMeant() throws {
        let workspace = try Workspace()
        let result = try SpanlogBinary.run(["tial", "--pid", "1"], in: workspace.url)
        #expect(result.status == 64)
        #expect(result.stderr == "spanlog: unknown command 'tial'; did you mean 'tail'? (commands: run, tail, top, record, replay, summary, markers, rules, daemon; spanlog --help says more)\n")
        let known = try SpanlogBinary.run(["tail", "--pid"], in: workspace.url)
        #expect(!known.stderr.contains("unknown command"), "a known command's own errors stay its own")
    }

    @Test func topBatchDrawsWithTheLocalesCharacters() throws {
        let scratch = try Scratch()
        try CaptureFixture.shop().write(to: scratch.url.appendingPathComponent("run.cap"))
        func table(_ locale: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["-u", "LC_ALL", "-u", "LC_CTYPE", "LANG=\(locale)", SpanlogBinary.url.path,
                                 "top", "--batch", scratch.path("run.cap")]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let utf8 = try table("C.UTF-8"), ascii = try table("C")
        #expect(utf8.contains("COUNT▼") && utf8.contains("└─"), "\(utf8)")
        #expect(ascii.contains("COUNTv") && ascii.contains("`-"), "\(ascii)")
    }

    @Test(.enabled(if: KernelSupport.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"),
                   Comment(rawValue: KernelSupport.skipReason ?? "gcc is not installed (scripts/setup.sh installs it)")))
    func markersLeftInABufferedFileGetAHintOnStderrAndAWarningRecord() throws {
        let workspace = try Workspace()
        // The slip: markers through a FILE* that stays fully buffered until exit.
        try workspace.write("job.c", """
            #include <stdio.h>
            int main(void) {
                FILE *tracer = fopen("/dev/null", "w");
                for (int i = 0; i < 3; i++) {
                    fprintf(tracer, ">:t:job:n=%d:\\n", i);
                    printf("working %d\\n", i);
                    fflush(stdout);
                    fprintf(tracer, "<:t:job::\\n");
                }
                return 0;
            }
            """)
        #expect(try workspace.runTool("/usr/bin/gcc", ["-o", workspace.path("job"), workspace.path("job.c")]) == 0)
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", workspace.path("job")], in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let hints = result.stderr.split(separator: "\n").filter { $0.hasPrefix("spanlog: hint: ") }
        #expect(hints.count == 1 && hints.first?.contains("markers are buffered") == true, "\(result.stderr)")
        let warnings = result.records.filter { $0["kind"] as? String == "likely_mistake" }
        #expect(warnings.count == 1)
        #expect(result.lines.allSatisfy { $0["span"] is NSNull }, "the slip itself: every line outside its span")
    }

    @Test(.enabled(if: KernelSupport.available, Comment(rawValue: KernelSupport.skipReason ?? "")))
    func aThreadMarkerFromBinEchoUnderShGetsAHintToWritePp() throws {
        let workspace = try Workspace()
        try workspace.write("deploy.sh", "/bin/echo '>:t:deploy::' > /dev/null\necho deploying\n/bin/echo '<:t:deploy::' > /dev/null\n")
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", "/bin/sh", workspace.path("deploy.sh")],
                                           in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let hints = result.stderr.split(separator: "\n").filter { $0.hasPrefix("spanlog: hint: ") }
        #expect(hints.count == 1 && hints.first?.contains("write id 'pp'") == true, "\(result.stderr)")
        #expect(result.records.filter { $0["kind"] as? String == "likely_mistake" }.count == 1)
    }
}
