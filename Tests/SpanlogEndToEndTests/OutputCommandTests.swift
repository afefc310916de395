import SpanlogTestSupport
import Foundation
import Testing

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: SpanlogBinary.url.path),
                "the spanlog binary is not built (swift build)"))
struct OutputCommandTests {
    @Test func textOnStandardOutputAndJSONInAFileCarryTheSameRecords() throws {
        let scratch = try Scratch()
        try CaptureFixture().write(to: scratch.url.appendingPathComponent("run.cap"))
        let result = try SpanlogBinary.run(["replay", scratch.path("run.cap"), "--output", "text",
                                      "--output", "json:\(scratch.path("out.jsonl"))", "--color", "never"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = jsonRecords(try String(contentsOfFile: scratch.path("out.jsonl"), encoding: .utf8))
        let jsonLines = json.filter { $0["type"] as? String == "line" }.compactMap { $0["text"] as? String }
        #expect(jsonLines.count == 7)
        for text in jsonLines { #expect(result.stdout.contains("  \(text)\n"), "text view lacks \(text)") }
        let spanEnds = result.stdout.split(separator: "\n").filter { $0.contains(" -- request#") }
        #expect(spanEnds.count == json.filter { $0["type"] as? String == "span" }.count)
    }

    @Test func aFullDiskOnOneOutputIsReportedOnceWhileTheTextViewContinues() throws {
        let scratch = try Scratch()
        try CaptureFixture(requests: 100, linesPerRequest: 100).write(to: scratch.url.appendingPathComponent("run.cap"))
        let result = try SpanlogBinary.run(["replay", scratch.path("run.cap"), "--output", "json:/dev/full",
                                      "--output", "text", "--color", "never"])
        #expect(result.status == 0)
        let reports = result.stderr.split(separator: "\n").filter { $0.contains("output json:/dev/full failed") }
        #expect(reports.count == 1, "\(result.stderr)")
        #expect(result.stdout.contains("request 99 line 99"))
        #expect(result.stdout.contains("spanlog: output json:/dev/full failed (No space left on device)"))
    }

    @Test func aReaderThatStopsReadingEndsSpanlogQuietly() throws {
        let scratch = try Scratch()
        try CaptureFixture(requests: 2_000, linesPerRequest: 50).write(to: scratch.url.appendingPathComponent("run.cap"))
        let pipe = Pipe()
        let process = Process()
        process.executableURL = SpanlogBinary.url
        process.arguments = ["replay", scratch.path("run.cap"), "--format", "json"]
        process.standardOutput = pipe
        let err = Pipe()
        process.standardError = err
        try process.run()
        try pipe.fileHandleForWriting.close()
        // Read one record, then go away, as `| head -1` does.
        let first = pipe.fileHandleForReading.availableData
        #expect(!first.isEmpty)
        try pipe.fileHandleForReading.close()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: stderr, as: UTF8.self) == "")
    }

    @Test func anUnknownOutputIsAUsageError() throws {
        let result = try SpanlogBinary.run(["replay", "/nonexistent", "--output", "xml"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown output 'xml'"))
    }
}

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: SpanlogBinary.url.path) && geteuid() == 0,
                "needs the built spanlog binary, and root for the setup step"))
struct InstallTests {
    @Test func installPutsEveryPieceInItsPlace() throws {
        let scratch = try Scratch()
        let repository = Repository.root
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repository.appendingPathComponent("scripts/install.sh").path]
        var environment = ProcessInfo.processInfo.environment
        environment["DESTDIR"] = scratch.url.path
        environment["SPANLOG_BINARY"] = SpanlogBinary.url.path
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        for path in ["usr/local/bin/spanlog", "etc/systemd/system/spanlog.service", "etc/spanlog/spanlog.yaml",
                     "usr/local/share/spanlog/rules/default.yaml", "usr/local/share/man/man1/spanlog.1",
                     "usr/local/share/man/man5/spanlog-rules.5",
                     "usr/share/bash-completion/completions/spanlog", "usr/share/zsh/vendor-completions/_spanlog",
                     "usr/share/fish/vendor_completions.d/spanlog.fish", "usr/lib/systemd/catalog/spanlog.catalog"] {
            #expect(FileManager.default.fileExists(atPath: scratch.path(path)), "\(path) missing")
        }
        let manual = try String(contentsOfFile: scratch.path("usr/local/share/man/man1/spanlog.1"), encoding: .utf8)
        #expect(manual.contains(".Sh EXIT STATUS") && manual.contains(".Xr spanlog-rules 5"))
        #expect(FileManager.default.isExecutableFile(atPath: scratch.path("usr/local/bin/spanlog")))
    }

    @Test func theOnlyOutputFailingEndsTheRunWithStatusTwoAndSaysNoOtherTakesItsRecords() throws {
        let scratch = try Scratch()
        try CaptureFixture().write(to: scratch.url.appendingPathComponent("run.cap"))
        let result = try SpanlogBinary.run(["replay", scratch.path("run.cap"), "--output", "json:/dev/full"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("output json:/dev/full failed: ") && result.stderr.contains("; no other output takes its records"),
                "\(result.stderr)")
        #expect(!result.stderr.contains("the other outputs continue"))
        #expect(result.stderr.contains("spanlog replay: every output failed: json:/dev/full: "), "\(result.stderr)")
        // With another output working, the run did its job.
        let both = try SpanlogBinary.run(["replay", scratch.path("run.cap"), "--output", "json:/dev/full", "--output", "text"])
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.stderr.contains("; the other outputs continue"))
    }

    @Test func outputJournaldAloneShowsTheTextViewAsItsShortFormDoes() throws {
        let scratch = try Scratch()
        try CaptureFixture().write(to: scratch.url.appendingPathComponent("run.cap"))
        let long = try SpanlogBinary.run(["replay", scratch.path("run.cap"), "--output", "journald", "--color", "never"])
        let short = try SpanlogBinary.run(["replay", scratch.path("run.cap"), "--journald", "--color", "never"])
        #expect(!long.stdout.isEmpty)
        #expect(long.stdout == short.stdout)
        let json = try SpanlogBinary.run(["replay", scratch.path("run.cap"), "--journald", "--output", "json:\(scratch.path("out.jsonl"))"])
        #expect(json.stdout.isEmpty, "an output that writes records already: no text view beside it")
    }
}
