import SpanlogTestSupport
import Foundation
import Testing

/// Rules on a live run: real processes, real markers, alerts as they happen.
@Suite(.serialized, .enabled(if: KernelSupport.available, Comment(rawValue: KernelSupport.skipReason ?? "")))
struct RuleLiveTests {
    @Test func liveRunAlertsOnTheSlowAndTheFailingRequestWithTheDefaultRules() throws {
        let workspace = try Workspace()
        try workspace.write("shop.sh", """
            echo ">:t:request:path=/search:" > /dev/null
            sleep 0.6
            echo "search done"
            echo "<:t:request:status=200:" > /dev/null
            echo ">:t:request:path=/checkout:" > /dev/null
            echo ">:t:request.payment:provider=acme:" > /dev/null
            echo "ERROR card declined"
            echo "<:t:request.payment::" > /dev/null
            echo "<:t:request:status=500:" > /dev/null
            """)
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", "/bin/bash", workspace.path("shop.sh")],
                                           in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let alerts = result.records.filter { $0["type"] as? String == "alert" }
        let byRule = Dictionary(grouping: alerts) { $0["rule"] as? String ?? "" }
        let slow = try #require(byRule["slow_request"]?.first)
        #expect((slow["span"] as? [String: Any])?["enter_args"] as? [String: String] == ["path": "/search"])
        #expect(slow["priority"] as? String == "warning")
        let failed = try #require(byRule["span_reported_failure"]?.first)
        #expect((failed["span"] as? [String: Any])?["enter_args"] as? [String: String] == ["path": "/checkout"])
        let errors = try #require(byRule["request_with_errors"]?.first)
        #expect((errors["span"] as? [String: Any])?["errors_total"] as? Int == 1)
        #expect(alerts.count == 3)
        let checkout = try #require(result.spans.first { ($0["enter_args"] as? [String: String])?["path"] == "/checkout" })
        #expect(checkout["errors"] as? Int == 0 && checkout["errors_total"] as? Int == 1 && checkout["alerts"] as? Int == 2)
    }

    @Test func sighupReloadsRulesAndABrokenSetKeepsTheRunningOne() throws {
        let workspace = try Workspace()
        try workspace.write("rules.yaml", "- rule: first\n  condition: span.tags = never\n  output: first\n")
        for fifo in ["ready", "go"] { #expect(mkfifo(workspace.path(fifo), 0o600) == 0) }
        try workspace.write("job.sh", """
            echo up > "$1/ready"
            read line < "$1/go"
            echo ">:t:job::" > /dev/null
            echo "<:t:job::" > /dev/null
            """)
        let spanlog = Process()
        spanlog.executableURL = SpanlogBinary.url
        spanlog.arguments = ["run", "--rules", workspace.path("rules.yaml"), "--format", "json", "--",
                             "/bin/bash", workspace.path("job.sh"), workspace.url.path]
        _ = FileManager.default.createFile(atPath: workspace.path("out.jsonl"), contents: nil)
        spanlog.standardOutput = try FileHandle(forWritingTo: workspace.url.appendingPathComponent("out.jsonl"))
        let stderr = Pipe()
        spanlog.standardError = stderr
        try spanlog.run()
        defer { if spanlog.isRunning { kill(spanlog.processIdentifier, SIGKILL) } }
        // The job runs under spanlog once it has opened the FIFO: its handlers are installed.
        _ = FileHandle(forReadingAtPath: workspace.path("ready"))?.readDataToEndOfFile()

        var said = ""
        func waitForStderr(_ text: String) {
            while !said.contains(text) {
                let chunk = stderr.fileHandleForReading.availableData
                if chunk.isEmpty { return }
                said += String(decoding: chunk, as: UTF8.self)
            }
        }
        try workspace.write("rules.yaml", "- rule: second\n  condition: span.tags = job\n  output: \"%span.tags ended\"\n")
        kill(spanlog.processIdentifier, SIGHUP)
        waitForStderr("rules reloaded (1 rule)")
        #expect(said.contains("rules reloaded (1 rule)"), "\(said)")

        try workspace.write("rules.yaml", "- rule: third\n  condition: span.tags = job and\n  output: x\n")
        kill(spanlog.processIdentifier, SIGHUP)
        waitForStderr("previous rules keep running")
        #expect(said.contains("rules.yaml:2:"), "\(said)")

        let go = try #require(FileHandle(forWritingAtPath: workspace.path("go")))
        go.write(Data("go\n".utf8))
        try go.close()
        spanlog.waitUntilExit()
        #expect(spanlog.terminationStatus == 0)
        let records = try String(contentsOfFile: workspace.path("out.jsonl"), encoding: .utf8).split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let alerts = records.filter { $0["type"] as? String == "alert" }
        #expect(alerts.map { $0["rule"] as? String } == ["second"])
        #expect(alerts.first?["message"] as? String == "job ended")
        #expect(records.contains { $0["type"] as? String == "warning" && $0["kind"] as? String == "rules_not_reloaded" })
    }
}
