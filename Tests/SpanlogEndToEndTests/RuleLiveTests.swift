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
    /// The reload's faults, in one traced script that signals spanlog itself (its parent) and
    /// waits for what spanlog says on stderr: a rule file saved half-way, then two SIGHUPs in
    /// quick succession. At each moment exactly one rule set is in force: no span is judged by
    /// both, none by neither, and each outcome is reported once.
    @Test func aHalfWrittenRuleFileAndTwoQuickSighupsLeaveOneRuleSetInForceAtEachMoment() throws {
        let workspace = try Workspace()
        let ws = workspace.url.path
        try workspace.write("rules.yaml", "- rule: first\n  condition: span.tags = job\n  output: \"first %span.enter_arg.n\"\n")
        try workspace.write("job.sh", """
            wait_for() { for _ in $(seq 400); do grep -q "$1" \(ws)/spanlog.err && return 0; sleep 0.025; done; echo "timeout: $1" >&2; exit 1; }
            span() { echo ">:t:job:n=$1:" > /dev/null; echo "job $1"; echo "<:t:job::" > /dev/null; }
            span 1
            # An editor's save that is not atomic: SIGHUP while the file holds half a rule.
            printf -- '- rule: second\\n  condition: span.tags =' > \(ws)/rules.yaml
            kill -HUP $PPID
            wait_for 'previous rules keep running'
            span 2
            printf -- '- rule: second\\n  condition: span.tags = job\\n  output: "second %%span.enter_arg.n"\\n' > \(ws)/rules.yaml
            kill -HUP $PPID; kill -HUP $PPID
            wait_for 'rules reloaded'
            span 3
            """)
        let status = try workspace.runTool("/bin/sh", ["-c", """
            \(SpanlogBinary.url.path) run --no-pty --rules \(ws)/rules.yaml --format json -- /bin/bash \(ws)/job.sh \
                > \(ws)/out.jsonl 2> \(ws)/spanlog.err
            """])
        let stderr = (try? String(contentsOfFile: workspace.path("spanlog.err"), encoding: .utf8)) ?? ""
        #expect(status == 0, "\(stderr)")
        let records = jsonRecords((try? String(contentsOfFile: workspace.path("out.jsonl"), encoding: .utf8)) ?? "")
        let alerts = records.filter { $0["type"] as? String == "alert" }.compactMap { $0["message"] as? String }
        #expect(alerts == ["first 1", "first 2", "second 3"], "\(stderr)")
        #expect(stderr.components(separatedBy: "previous rules keep running").count - 1 == 1, "\(stderr)")
        #expect(records.filter { $0["kind"] as? String == "rules_not_reloaded" }.count == 1)
        #expect(stderr.contains("rules.yaml:1:3: error:"), "the half-written file's error names its place: \(stderr)")
        // Two signals taken in one poll reload once; taken in two, twice: never more.
        let reloads = stderr.components(separatedBy: "rules reloaded (1 rule)").count - 1
        #expect((1...2).contains(reloads), "\(stderr)")
    }

    /// SIGHUP during the final drain after SIGTERM: the reload is taken with the drain (its new
    /// rules judge what was drained after its moment) or, arriving after the last event, is
    /// said to be too late; either way once, and the session still ends with its stats.
    @Test func aSighupDuringTheFinalDrainIsReportedOnceAndLosesNothing() throws {
        let workspace = try Workspace()
        let ws = workspace.url.path
        try workspace.write("rules.yaml", "- rule: first\n  condition: span.tags = job\n  output: first\n")
        let status = try workspace.runTool("/bin/bash", ["-c", """
            wait_for() { for _ in $(seq 400); do grep -q "$1" \(ws)/spanlog.err && return 0; sleep 0.025; done; echo "timeout: $1" >&2; return 1; }
            \(SpanlogBinary.url.path) tail --comm spanlog-no-such --rules \(ws)/rules.yaml --format json \
                > \(ws)/out.jsonl 2> \(ws)/spanlog.err & spanlog=$!
            wait_for capturing
            kill -TERM $spanlog; kill -HUP $spanlog
            wait $spanlog
            """])
        let stderr = (try? String(contentsOfFile: workspace.path("spanlog.err"), encoding: .utf8)) ?? ""
        #expect(status == 0, "\(stderr)")
        let reported = stderr.components(separatedBy: "rules reloaded").count - 1
            + stderr.components(separatedBy: "SIGHUP came while stopping").count - 1
        #expect(reported == 1, "\(stderr)")
        let records = jsonRecords((try? String(contentsOfFile: workspace.path("out.jsonl"), encoding: .utf8)) ?? "")
        #expect(records.last?["type"] as? String == "stats")
    }
}
