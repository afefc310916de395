import SpanlogTestSupport
import Foundation
import Testing

/// Why the journald tests cannot run here, or nil.
enum JournaldSupport {
    static let skipReason: String? = {
        if let reason = KernelSupport.skipReason { return reason }
        if access("/lib/systemd/systemd-journald", X_OK) != 0 { return "systemd-journald is not installed (Debian's systemd package)" }
        if access("/usr/bin/unshare", X_OK) != 0 { return "unshare is not installed (util-linux)" }
        return nil
    }()
}

/// A journal entry as `journalctl -o json` prints it: text fields are strings, binary ones
/// arrays of bytes, repeated fields arrays of those.
struct JournalEntry {
    let fields: [String: Any]

    func string(_ name: String) -> String? { fields[name] as? String }

    func bytes(_ name: String) -> [UInt8]? {
        if let text = fields[name] as? String { return Array(text.utf8) }
        return (fields[name] as? [Any])?.compactMap { ($0 as? NSNumber)?.uint8Value }
    }

    static func read(_ path: String) -> [JournalEntry] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]).map(JournalEntry.init)
        }
    }
}

/// Real systemd-journald, private to each test (its own mount namespace), read back with journalctl.
@Suite(.serialized, .enabled(if: JournaldSupport.skipReason == nil, Comment(rawValue: JournaldSupport.skipReason ?? "")))
struct JournaldTests {
    static let lineID = "6b1e4a0c2f8d4c1b9a7e3d5f0c2b4a61"
    static let spanID = "3c9f7e2a1b5d4e8f8a6c0d2e4f1b3a72"
    static let alertID = "a8d2c4e6f0b1437d9e5a7c3b1d0f2e83"

    func scenario(_ workspace: Workspace, _ script: String) throws -> Int32 {
        try workspace.write("scenario.sh", script)
        let runner = try workspace.workload("journald-ns.sh")
        return try workspace.runTool("/bin/bash", [runner, workspace.path("scenario.sh")])
    }

    @Test func linesSpanEndsAndAlertsArriveWithEveryFieldAndNoArgumentCanSpoofOne() throws {
        let workspace = try Workspace()
        let longName = String(repeating: "n", count: 200)
        try workspace.write("job.sh", """
            echo '>:t:checkout:user=42,_PID=1,MESSAGE=spoof,priority=0,a b=x,=empty,\(longName)=long:' > /dev/null
            echo '[">", "t", ["checkout", "pay"], [{"note": "two\\nlines"}]]' > /dev/null
            echo "ERROR card declined"
            printf 'bin\\000ary\\377 tail\\n'
            sleep 0.3
            echo '<:t:checkout.pay::' > /dev/null
            echo '<:t:checkout:status=500:' > /dev/null
            """)
        let status = try scenario(workspace, """
            start_journald
            \(SpanlogBinary.url.path) run --journald --journald-spans --output json:\(workspace.path("records.jsonl")) \\
                -- /bin/bash \(workspace.path("job.sh")) > \(workspace.path("spanlog.out")) 2> \(workspace.path("spanlog.err"))
            echo "status $?" >> \(workspace.path("spanlog.err"))
            dump_journal \(workspace.path("all.jsonl"))
            dump_journal \(workspace.path("tagged.jsonl")) SPAN_TAGS=checkout
            dump_journal \(workspace.path("alerts.jsonl")) SPANLOG_RULE=span_reported_failure -p err
            journalctl --no-pager SPAN_TAGS=checkout.pay > \(workspace.path("short.txt"))
            """)
        #expect(status == 0)
        let stderr = (try? String(contentsOfFile: workspace.path("spanlog.err"), encoding: .utf8)) ?? ""
        #expect(stderr.contains("status 0"), "\(stderr)")
        let entries = JournalEntry.read(workspace.path("all.jsonl")).filter { $0.string("MESSAGE_ID") != nil }

        let line = try #require(entries.first { $0.string("MESSAGE") == "ERROR card declined" }, "\(entries.map(\.fields))")
        #expect(line.string("MESSAGE_ID") == Self.lineID)
        #expect(line.string("PRIORITY") == "3")
        #expect(line.string("SYSLOG_IDENTIFIER") == "bash")
        #expect(line.string("LOG_STREAM") == "stdout")
        #expect(line.string("SPAN_TAGS") == "checkout.pay")
        #expect(line.string("SPAN_ID") != nil && line.string("SPAN_UID") != nil && line.string("SPAN_PARENT_UID") != nil)
        let pid = try #require(line.string("OBJECT_PID"))
        #expect(line.string("OBJECT_COMM") == "bash", "journald attaches the writer's own metadata")
        // Sent with the writer's credentials: journald records the writer itself, and the
        // default view names it.
        #expect(line.string("_PID") == pid && line.string("SYSLOG_PID") == pid && line.string("_COMM") == "bash")
        let short = (try? String(contentsOfFile: workspace.path("short.txt"), encoding: .utf8)) ?? ""
        #expect(short.contains("bash[\(pid)]: ERROR card declined"), "\(short)")
        let stats = try #require(JournalEntry.read(workspace.path("records.jsonl")).last { $0.string("type") == "stats" })
        let journald = (stats.fields["outputs"] as? [[String: Any]])?.first { $0["name"] as? String == "journald" }
        #expect((journald?["sent_as_writer"] as? Int ?? 0) > 0, "\(stats.fields)")
        #expect(line.bytes("SPAN_ARG_NOTE") == Array("two\nlines".utf8), "a multi-line value arrives intact")

        // The hostile names of the outer span, seen on its span-end entry.
        let outer = try #require(entries.first { $0.string("MESSAGE_ID") == Self.spanID && $0.string("SPAN_TAGS") == "checkout" })
        #expect(outer.string("SPAN_OUTCOME") == "failed" && outer.string("SPAN_END_REASON") == "exit_marker")
        #expect(outer.string("SPAN_FAILURE") == "exit_status,error_lines")
        #expect(outer.string("MESSAGE")?.hasPrefix("span checkout failed (exit status, error lines) after ") == true)
        #expect(Int(outer.string("SPAN_DURATION_NS") ?? "") ?? 0 > 300_000_000)
        #expect(outer.string("SPAN_ARG__PID") == "1" && outer.string("_PID") != "1")
        #expect(outer.string("SPAN_ARG_MESSAGE") == "spoof" && outer.string("MESSAGE")?.hasPrefix("span checkout") == true)
        #expect(outer.string("SPAN_ARG_PRIORITY") == "0" && outer.string("PRIORITY") == "4")
        #expect(outer.string("SPAN_ARG_A_B") == "x")
        #expect(outer.string("SPAN_ARG_") == "empty")
        #expect(outer.string("SPAN_ARG_" + String(repeating: "N", count: 55)) == "long", "names are cut to 64 bytes")
        #expect(outer.string("SPAN_EXIT_ARG_STATUS") == "500")

        let binary = try #require(entries.first { $0.bytes("MESSAGE")?.starts(with: Array("bin".utf8)) == true })
        #expect(binary.bytes("MESSAGE") == [0x62, 0x69, 0x6E, 0x00, 0x61, 0x72, 0x79, 0xFF, 0x20, 0x74, 0x61, 0x69, 0x6C])

        let alerts = JournalEntry.read(workspace.path("alerts.jsonl"))
        #expect(alerts.count == 1)
        #expect(alerts.first?.string("MESSAGE_ID") == Self.alertID)
        #expect(alerts.first?.string("PRIORITY") == "3")
        #expect(alerts.first?.string("SPAN_OUTCOME") == "failed")
        #expect(alerts.first?.string("SPAN_TAGS") == "checkout")
        let tagged = JournalEntry.read(workspace.path("tagged.jsonl"))
        #expect(tagged.count >= 3, "journalctl SPAN_TAGS=checkout finds the entries")
    }

    @Test func aOneMebibyteLineArrives() throws {
        let workspace = try Workspace()
        let status = try scenario(workspace, """
            start_journald
            \(SpanlogBinary.url.path) run --journald --max-line-bytes 2000000 --max-write-bytes 65536 --output json:/dev/null \\
                -- /usr/bin/python3 -c 'import os
            [os.write(1, b"x" * 65536) for _ in range(16)]; os.write(1, b"\\n")' > /dev/null 2>&1
            dump_journal \(workspace.path("all.jsonl")) SYSLOG_IDENTIFIER=python3
            """)
        #expect(status == 0)
        let entries = JournalEntry.read(workspace.path("all.jsonl"))
        let big = entries.compactMap { $0.bytes("MESSAGE") }.first { $0.count > 1_000_000 }
        #expect(big?.count == 1 << 20)
    }

    @Test func aSpanWithMoreArgumentsThanJournaldTakesStillArrivesWithTheRestCounted() throws {
        let workspace = try Workspace()
        let args = (0..<1100).map { "a\($0)=\($0)" }.joined(separator: ",")
        try workspace.write("job.sh", "echo '>:t:wide:\(args):' > /dev/null\necho 'inside the wide span'\necho '<:t:wide::' > /dev/null\n")
        let status = try scenario(workspace, """
            start_journald
            \(SpanlogBinary.url.path) run --journald --output json:/dev/null -- /bin/bash \(workspace.path("job.sh")) > /dev/null 2>&1
            dump_journal \(workspace.path("wide.jsonl")) SPAN_TAGS=wide
            """)
        #expect(status == 0)
        let entry = try #require(JournalEntry.read(workspace.path("wide.jsonl")).first)
        #expect(entry.string("MESSAGE") == "inside the wide span")
        let argumentFields = entry.fields.keys.filter { $0.hasPrefix("SPAN_ARG_") }.count
        #expect(argumentFields > 400 && argumentFields < 512, "every field costs sd_journal_sendv two iovecs of its 1024")
        #expect(Int(entry.string("SPANLOG_ARGS_OMITTED") ?? "") == 1100 - argumentFields)
    }

    @Test func daemonReportsReadinessFollowsLaterProgramsReloadsOnSighupAndStopsOnSigterm() throws {
        let workspace = try Workspace()
        let ws = workspace.url.path
        // A mix of target kinds, as a machine runs several services: two command names, and a
        // cgroup where one is available to make.
        let cgroup = try KernelSupport.writableCgroupHierarchy.map { _ in try ContainerCgroup() }
        try workspace.write("spanlog.yaml", """
            targets:
              - comm: [shopd, billingd]
            \(cgroup.map { "  - cgroup: \($0.path)" } ?? "")
            outputs: [journald, "json:\(ws)/records.jsonl"]
            rules: [\(ws)/rules.yaml]
            span_timeout: 1m
            """)
        try workspace.write("rules.yaml", "- rule: first\n  condition: span.tags = never\n  output: first\n")
        try workspace.write("job.sh", "echo '>:t:job::' > /dev/null\necho \"shopd working $1\"\necho '<:t:job::' > /dev/null\n")
        try workspace.write("notify.py", """
            import socket, sys
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            listener.bind(sys.argv[1])
            with open(sys.argv[2], "a") as log:
                print("listening", file=log, flush=True)
                while True:
                    message = listener.recv(4096).decode()
                    print(message.replace("\\n", " "), file=log, flush=True)
            """)
        let status = try scenario(workspace, """
            wait_for() { for _ in $(seq 400); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.025; done; echo "timeout: $2" >&2; return 1; }
            start_journald
            python3 \(ws)/notify.py \(ws)/notify.sock \(ws)/notify.log & listener=$!
            wait_for \(ws)/notify.log listening
            NOTIFY_SOCKET=\(ws)/notify.sock WATCHDOG_USEC=200000 \(SpanlogBinary.url.path) daemon --config \(ws)/spanlog.yaml \\
                > /dev/null 2> \(ws)/daemon.err & daemon=$!
            wait_for \(ws)/notify.log READY=1
            cp /bin/bash \(ws)/shopd
            cp /bin/bash \(ws)/billingd
            \(ws)/shopd \(ws)/job.sh one
            \(ws)/billingd \(ws)/job.sh billing
            \(cgroup.map { "sh -c 'echo $$ > \($0.path)/cgroup.procs; exec /bin/bash \(ws)/job.sh cgroup'" } ?? "true")
            wait_for \(ws)/records.jsonl "shopd working one"
            printf -- '- rule: second\\n  condition: span.tags = job\\n  output: "%%span.tags ended"\\n' > \(ws)/rules.yaml
            kill -HUP $daemon
            wait_for \(ws)/daemon.err "rules reloaded"
            \(ws)/shopd \(ws)/job.sh two
            wait_for \(ws)/records.jsonl '"rule":"second"'
            kill -TERM $daemon
            wait $daemon; echo "status $?" >> \(ws)/daemon.err
            wait_for \(ws)/notify.log STOPPING=1
            kill -KILL $listener  # it inherits the test runner's blocked SIGTERM
            dump_journal \(ws)/alerts.jsonl SPANLOG_RULE=second
            dump_journal \(ws)/lines.jsonl SYSLOG_IDENTIFIER=shopd
            """)
        #expect(status == 0)
        let stderr = (try? String(contentsOfFile: workspace.path("daemon.err"), encoding: .utf8)) ?? ""
        #expect(stderr.contains("status 0"), "\(stderr)")
        let notify = (try? String(contentsOfFile: workspace.path("notify.log"), encoding: .utf8)) ?? ""
        #expect(notify.contains("READY=1 STATUS=following processes named shopd, billingd"), "\(notify)")
        #expect(notify.contains("WATCHDOG=1"))
        #expect(notify.contains("RELOADING=1"))
        #expect(notify.contains("STOPPING=1"))

        let records = JournalEntry.read(workspace.path("records.jsonl"))
        #expect(records.contains { $0.string("comm") == "billingd" && $0.string("text") == "shopd working billing" },
                "a second comm target is followed")
        if cgroup != nil {
            #expect(records.contains { $0.string("text") == "shopd working cgroup" }, "the cgroup target is followed")
        }
        let lines = records.filter { $0.string("type") == "line" && $0.string("comm") == "shopd" }
        #expect(lines.compactMap { $0.string("text") } == ["shopd working one", "shopd working two"])
        #expect(lines.allSatisfy { ($0.fields["span"] as? [String: Any])?["tags"] as? [String] == ["job"] })
        let alerts = records.filter { $0.string("type") == "alert" }
        #expect(alerts.compactMap { $0.string("rule") } == ["second"])
        #expect(records.last?.string("type") == "stats", "SIGTERM ends with the final stats")

        #expect(JournalEntry.read(workspace.path("alerts.jsonl")).first?.string("MESSAGE") == "job ended")
        let lineEntries = JournalEntry.read(workspace.path("lines.jsonl")).filter { $0.string("MESSAGE_ID") == Self.lineID }
        #expect(lineEntries.compactMap { $0.string("MESSAGE") } == ["shopd working one", "shopd working two"])
    }

    @Test func aBrokenConfigurationIsReportedAtItsPlace() throws {
        let workspace = try Workspace()
        try workspace.write("bad.yaml", "targets:\n  - comm: shopd\noutputs: [journald, xml]\nspan_timeout: soon\nverbose: true\n")
        let result = try SpanlogBinary.run(["daemon", "--config", workspace.path("bad.yaml")], in: workspace.url)
        #expect(result.status == 2, "a service that cannot start could not do its job")
        #expect(result.stderr.contains("bad.yaml:3:21: error: unknown output 'xml'"), "\(result.stderr)")
        #expect(result.stderr.contains("bad.yaml:4:15: error: span_timeout takes a duration"))
        #expect(result.stderr.contains("bad.yaml:5:1: error: unknown setting 'verbose'"))
    }

    @Test func theShippedUnitAndConfigurationAreValid() throws {
        let workspace = try Workspace()
        let repository = Repository.root
        let unit = try String(contentsOf: repository.appendingPathComponent("packaging/spanlog.service"), encoding: .utf8)
        try workspace.write("spanlog.service", unit.replacingOccurrences(of: "/usr/local/bin/spanlog", with: SpanlogBinary.url.path))
        #expect(try workspace.runTool("/usr/bin/systemd-analyze", ["verify", "--man=no", workspace.path("spanlog.service")]) == 0)
        // The default configuration parses (it names nginx, which need not run).
        let config = repository.appendingPathComponent("packaging/spanlog.yaml").path
        let check = try SpanlogBinary.run(["daemon", "--config", config, "--check"], in: workspace.url)
        #expect(check.status == 0, "\(check.stderr)")
    }

    @Test func journaldStoppedAndRestartedMidRunLosesNothingAndIsReportedOnce() throws {
        let workspace = try Workspace()
        for fifo in ["go1", "go2"] { #expect(mkfifo(workspace.path(fifo), 0o600) == 0) }
        try workspace.write("job.sh", """
            echo "line before"
            read _ < \(workspace.path("go1"))
            echo "line during"
            read _ < \(workspace.path("go2"))
            echo "line after"
            """)
        let records = workspace.path("records.jsonl")
        let status = try scenario(workspace, """
            wait_for() { for _ in $(seq 400); do grep -q "$1" \(records) 2>/dev/null && return 0; sleep 0.025; done; return 1; }
            start_journald
            \(SpanlogBinary.url.path) run --journald --output json:\(records) -- /bin/bash \(workspace.path("job.sh")) \\
                > /dev/null 2> \(workspace.path("spanlog.err")) &
            spanlog=$!
            wait_for "line before"
            stop_journald
            echo go > \(workspace.path("go1"))
            wait_for "line during"
            start_journald
            echo go > \(workspace.path("go2"))
            wait $spanlog
            echo "status $?" >> \(workspace.path("spanlog.err"))
            dump_journal \(workspace.path("all.jsonl")) SYSLOG_IDENTIFIER=bash
            """)
        #expect(status == 0)
        let stderr = (try? String(contentsOfFile: workspace.path("spanlog.err"), encoding: .utf8)) ?? ""
        #expect(stderr.contains("status 0"), "\(stderr)")
        let reports = stderr.split(separator: "\n").filter { $0.contains("output journald failed") }
        #expect(reports.count == 1, "\(stderr)")
        #expect(reports.first?.contains("journald is not running") == true)
        let messages = JournalEntry.read(workspace.path("all.jsonl")).compactMap { $0.string("MESSAGE") }
        #expect(messages.filter { $0.hasPrefix("line ") } == ["line before", "line during", "line after"])
        // The other output never noticed; the journald output lost nothing.
        let stats = try #require(JournalEntry.read(records).last { $0.string("type") == "stats" })
        let outputs = try #require(stats.fields["outputs"] as? [[String: Any]])
        let journald = try #require(outputs.first { $0["name"] as? String == "journald" })
        #expect(journald["failed_writes"] as? Int == 0)
        #expect(outputs.first { ($0["name"] as? String)?.hasPrefix("json") == true }?["error"] is NSNull)
    }
    /// The stats record's journald entry, and the text view's report of what was not delivered.
    private func journaldAccounting(_ workspace: Workspace) throws -> (failed: Int, lostBytes: Int, report: String) {
        let stats = try #require(JournalEntry.read(workspace.path("records.jsonl")).last { $0.string("type") == "stats" })
        let outputs = try #require(stats.fields["outputs"] as? [[String: Any]])
        let journald = try #require(outputs.first { $0["name"] as? String == "journald" })
        let view = (try? String(contentsOfFile: workspace.path("view.txt"), encoding: .utf8)) ?? ""
        let report = view.split(separator: "\n").last { $0.contains("not delivered") }.map(String.init) ?? ""
        return (journald["failed_writes"] as? Int ?? -1, journald["lost_bytes"] as? Int ?? -1, report)
    }

    @Test func entriesAJournaldThatNeverRanDidNotGetAreCountedInTheStatsAndTheView() throws {
        let workspace = try Workspace()
        let status = try scenario(workspace, """
            \(SpanlogBinary.url.path) run --journald --output text:\(workspace.path("view.txt")) \\
                --output json:\(workspace.path("records.jsonl")) -- /bin/bash -c 'for i in $(seq 200); do echo "line $i"; done' \\
                2> \(workspace.path("spanlog.err"))
            echo "status $?" >> \(workspace.path("spanlog.err"))
            """)
        #expect(status == 0)
        let stderr = (try? String(contentsOfFile: workspace.path("spanlog.err"), encoding: .utf8)) ?? ""
        #expect(stderr.contains("journald is not running"), "\(stderr)")
        let accounting = try journaldAccounting(workspace)
        #expect(accounting.failed == 200, "every line was an entry journald never got: \(stderr)")
        #expect(accounting.lostBytes > 200 * "line N".count)
        #expect(accounting.report.contains("200 writes, \(accounting.lostBytes) bytes not delivered"), "\(accounting.report)")
    }

    @Test func entriesAJournaldStoppedMidRunDidNotGetAgreeWithWhatTheJournalHolds() throws {
        let workspace = try Workspace()
        #expect(mkfifo(workspace.path("go"), 0o600) == 0)
        try workspace.write("job.sh", """
            for i in $(seq 50); do echo "line before $i"; done
            read _ < \(workspace.path("go"))
            for i in $(seq 150); do echo "line during $i"; done
            """)
        let records = workspace.path("records.jsonl")
        let status = try scenario(workspace, """
            wait_for() { for _ in $(seq 400); do grep -q "$1" \(records) 2>/dev/null && return 0; sleep 0.025; done; return 1; }
            start_journald
            \(SpanlogBinary.url.path) run --journald --output text:\(workspace.path("view.txt")) --output json:\(records) \\
                -- /bin/bash \(workspace.path("job.sh")) 2> \(workspace.path("spanlog.err")) &
            spanlog=$!
            wait_for "line before 50"
            journalctl --sync
            stop_journald
            echo go > \(workspace.path("go"))
            wait $spanlog
            echo "status $?" >> \(workspace.path("spanlog.err"))
            start_journald
            dump_journal \(workspace.path("all.jsonl")) SYSLOG_IDENTIFIER=bash
            """)
        #expect(status == 0)
        let stderr = (try? String(contentsOfFile: workspace.path("spanlog.err"), encoding: .utf8)) ?? ""
        #expect(stderr.contains("status 0"), "\(stderr)")
        let arrived = JournalEntry.read(workspace.path("all.jsonl")).compactMap { $0.string("MESSAGE") }.filter { $0.hasPrefix("line ") }
        let accounting = try journaldAccounting(workspace)
        #expect(arrived.count + accounting.failed == 200, "arrived \(arrived.count), counted lost \(accounting.failed): \(stderr)")
        #expect(accounting.failed >= 150, "the lines after the stop never reached a journald")
        #expect(accounting.report.contains("\(accounting.failed) writes, \(accounting.lostBytes) bytes not delivered"),
                "\(accounting.report)")
    }

    /// journald running but behind: stopped with SIGSTOP while 1,000 lines come, its socket
    /// queue fills (EAGAIN), then it goes on. The notice names a full queue, not a missing
    /// journald; every entry is either in the journal or counted lost; those that went as
    /// spanlog's are counted as such; and each carries its own time.
    @Test func aJournaldThatFallsBehindIsNamedSoAndItsCountsAgreeWithTheJournal() throws {
        let workspace = try Workspace()
        for fifo in ["go1", "go2"] { #expect(mkfifo(workspace.path(fifo), 0o600) == 0) }
        try workspace.write("job.sh", """
            echo "line before"
            read _ < \(workspace.path("go1"))
            for i in $(seq 1000); do echo "line during $i"; done
            read _ < \(workspace.path("go2"))
            """)
        let records = workspace.path("records.jsonl")
        let status = try scenario(workspace, """
            wait_for() { for _ in $(seq 400); do grep -q "$1" \(records) 2>/dev/null && return 0; sleep 0.025; done; return 1; }
            start_journald
            \(SpanlogBinary.url.path) run --journald --output text:\(workspace.path("view.txt")) --output json:\(records) \\
                -- /bin/bash \(workspace.path("job.sh")) 2> \(workspace.path("spanlog.err")) &
            spanlog=$!
            wait_for "line before"
            kill -STOP $journald_pid
            echo go > \(workspace.path("go1"))
            wait_for "line during 1000"
            kill -CONT $journald_pid
            echo go > \(workspace.path("go2"))
            wait $spanlog
            echo "status $?" >> \(workspace.path("spanlog.err"))
            dump_journal \(workspace.path("all.jsonl")) SYSLOG_IDENTIFIER=bash
            """)
        #expect(status == 0)
        let stderr = (try? String(contentsOfFile: workspace.path("spanlog.err"), encoding: .utf8)) ?? ""
        #expect(stderr.contains("status 0"), "\(stderr)")
        #expect(stderr.contains("journald is not keeping up"), "\(stderr)")
        #expect(!stderr.contains("start systemd-journald"), "journald runs: \(stderr)")
        let entries = JournalEntry.read(workspace.path("all.jsonl")).filter { $0.string("MESSAGE")?.hasPrefix("line ") == true }
        let accounting = try journaldAccounting(workspace)
        #expect(entries.count + accounting.failed == 1001, "arrived \(entries.count), lost \(accounting.failed)")
        let stats = try #require(JournalEntry.read(records).last { $0.string("type") == "stats" })
        let journald = try #require((stats.fields["outputs"] as? [[String: Any]])?.first { $0["name"] as? String == "journald" })
        let asWriter = journald["sent_as_writer"] as? Int ?? -1, asSpanlog = journald["sent_as_spanlog"] as? Int ?? -1
        #expect(asWriter + asSpanlog >= entries.count, "every entry that arrived was counted as sent one way or the other")
        let sentAsSpanlog = entries.filter { $0.string("_PID") != $0.string("SYSLOG_PID") }.count
        #expect(sentAsSpanlog == asSpanlog, "entries journald holds as spanlog's: \(sentAsSpanlog), counted \(asSpanlog)")
        // Each entry's own time is its write's, whatever time journald received it.
        for entry in entries {
            let own = Int(entry.string("SPANLOG_TIMESTAMP") ?? "") ?? .max
            let received = Int(entry.string("__REALTIME_TIMESTAMP") ?? "") ?? 0
            #expect(own <= received, "\(entry.fields)")
        }
    }
}
