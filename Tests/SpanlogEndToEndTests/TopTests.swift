#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SpanlogTestSupport
import Testing

/// `spanlog top` in a real terminal (tmux): what the screen shows after each key, on a capture
/// with known spans and on a live command.
@Suite(.enabled(if: TerminalScreen.skipReason == nil, "\(TerminalScreen.skipReason ?? "")"), .serialized)
struct TopTests {
    /// The shop capture: requests 1 (/home, 20 ms in the db), 4 (/search, 500 ms) and 5
    /// (/checkout, 20 ms, a failed payment); the default rules raise three alerts.
    static func shop(_ scratch: Scratch) throws -> String {
        try AnalyticsCommandTests.shop(in: scratch)
    }

    static func open(_ arguments: [String], rows: Int = 50, columns: Int = 200,
                     environment: [String: String] = [:]) throws -> TerminalScreen {
        let screen = try TerminalScreen(spanlog: ["top"] + arguments, rows: rows, columns: columns, environment: environment)
        // Keys wait for the whole capture to be read.
        let (met, shown) = screen.waitFor { $0.contains("SPAN TYPE") && $0.contains("capture end") }
        try #require(met, "top did not draw its span types view of the whole capture:\n\(shown)")
        return screen
    }

    @Test func spanTypesShowTheSummarysFiguresTreeAndCounters() throws {
        let scratch = try Scratch()
        let capture = try Self.shop(scratch)
        let screen = try Self.open([capture])
        let shown = screen.screen()
        // NAME COUNT RATE FAILED ALERTS P50 P90 P99 MAX LINES
        let request = try #require(TerminalScreen.row("request", in: shown), "\(shown)")
        #expect(request[1] == "3" && request[3] == "1" && request[4] == "3", "\(request)")
        let db = try #require(TerminalScreen.row("db", in: shown))
        #expect(db[1] == "3" && db[3] == "0")
        let payment = try #require(TerminalScreen.row("payment", in: shown))
        #expect(payment[1] == "1" && payment[3] == "1")
        // Children under their parent, in the tree's characters.
        let lines = shown.split(separator: "\n").map(String.init)
        let requestRow = try #require(lines.firstIndex { $0.hasPrefix("request ") })
        #expect(lines[requestRow + 1].hasPrefix("├─db") && lines[requestRow + 2].hasPrefix("└─payment"), "\(shown)")
        // The percentiles are the summary's.
        let summary = try SpanlogBinary.run(["summary", capture])
        let summaryRow = try #require(TerminalScreen.row("request", in: summary.stdout), "\(summary.stdout)")
        // summary: TAGS COUNT FAILED MIN MEAN P50 P90 P99 MAX
        #expect(Array(request[5...8]) == Array(summaryRow[5...8]), "top \(request) against summary \(summaryRow)")
        // The session's counters, losses included.
        #expect(shown.contains("lost events 0"), "\(shown)")
        #expect(shown.contains("lines 5"))
        try screen.send("q")
        #expect(screen.exitStatus() == 0)
    }

    @Test func enterDrillsIntoSpansThenOneSpansWaterfallAndLines() throws {
        let scratch = try Scratch()
        let screen = try Self.open([try Self.shop(scratch)])
        try screen.send("Enter")
        var (met, shown) = screen.waitFor("spans of request")
        #expect(met, "\(shown)")
        // The slowest first: /search, 500 ms.
        let firstSpan = shown.split(separator: "\n").first { $0.contains("path=") }.map(String.init) ?? ""
        #expect(firstSpan.contains("path=/search") && firstSpan.contains("500"), "\(shown)")
        try screen.send("Enter")
        (met, shown) = screen.waitFor("Waterfall")
        #expect(met, "\(shown)")
        #expect(shown.contains("Waterfall (2 spans held)"), "\(shown)")
        #expect(shown.contains("request.db#"))
        #expect(shown.contains("[INFO] request 4: /search for user 19"))
        #expect(shown.contains("slow_request"), "the span's alert is listed under it")
        try screen.send("Escape")
        (met, shown) = screen.waitFor("spans of request")
        #expect(met, "Esc goes back:\n\(shown)")
        try screen.send("q")
        #expect(screen.exitStatus() == 0)
    }

    @Test func alertsListTheRulesHitsAndEnterJumpsToTheSpan() throws {
        let scratch = try Scratch()
        let screen = try Self.open([try Self.shop(scratch)])
        try screen.send("a")
        var (met, shown) = screen.waitFor("slow_request")
        #expect(met, "\(shown)")
        #expect(shown.contains("span_reported_failure") && shown.contains("request_with_errors"), "\(shown)")
        // Alerts are newest first: the failed checkout's come after the slow search.
        let rows = shown.split(separator: "\n").filter { $0.contains("request#") }
        #expect(rows.count == 3 && rows[2].contains("slow_request"), "\(shown)")
        try screen.send("End", "Enter")
        (met, shown) = screen.waitFor("Waterfall")
        #expect(met, "\(shown)")
        #expect(shown.contains("path=/search"), "\(shown)")
        try screen.send("q")
        #expect(screen.exitStatus() == 0)
    }

    @Test func theSpectrogramShadesTheSecondsAndLatencies() throws {
        let scratch = try Scratch()
        let screen = try Self.open([try Self.shop(scratch)])
        try screen.send("s")
        let (met, shown) = screen.waitFor("3 spans of request ended")
        #expect(met, "\(shown)")
        // The 500 ms request in the <1s row, the two 20 ms ones in the <21.5ms row.
        let rows = shown.split(separator: "\n").map(String.init)
        let slow = try #require(rows.first { $0.hasPrefix("     <1s") }, "\(shown)")
        let fast = try #require(rows.first { $0.hasPrefix(" <21.5ms") }, "\(shown)")
        #expect(slow.dropFirst(9).contains { $0 != " " }, "\(slow)")
        #expect(fast.dropFirst(9).contains { $0 != " " }, "\(fast)")
        #expect(shown.contains("spans per cell:"))
        try screen.send("q")
        #expect(screen.exitStatus() == 0)
    }

    @Test func slashFiltersWithTheFilterLanguageAndPausesFreeze() throws {
        let scratch = try Scratch()
        let screen = try Self.open([try Self.shop(scratch)])
        try screen.send("/")
        try screen.send("span.enter_arg.user = 23", literal: true)
        try screen.send("Enter")
        // The prompt shows the same text while it is typed, before Enter is handled: wait for
        // the applied filter's line, which says since when it counts.
        var (met, shown) = screen.waitFor("filter: span.enter_arg.user = 23  (counting since")
        #expect(met, "\(shown)")
        let request = try #require(TerminalScreen.row("request", in: shown), "\(shown)")
        #expect(request[1] == "1" && request[3] == "1", "only /checkout for user 23: \(request)")
        #expect(TerminalScreen.row("db", in: shown) == nil, "db spans have no user argument")
        // A broken condition names its column and keeps what was typed.
        try screen.send("/", "C-u")
        try screen.send("span.duration > fast", literal: true)
        try screen.send("Enter")
        (met, shown) = screen.waitFor("filter not applied")
        #expect(met && shown.contains("--filter:1:17"), "\(shown)")
        try screen.send("Escape", "p")
        (met, shown) = screen.waitFor("PAUSED")
        #expect(met, "\(shown)")
        try screen.send("q")
        #expect(screen.exitStatus() == 0)
    }

    @Test func bracketsStepThroughTheCaptureInItsOwnTime() throws {
        let scratch = try Scratch()
        let screen = try Self.open([try Self.shop(scratch), "--step", "100ms"])
        var (met, shown) = (true, "")
        // 100 ms before the end only /home had ended: /search (500 ms) ends 20 ms before the end.
        try screen.send("[")
        (met, shown) = screen.waitFor { TerminalScreen.row("request", in: $0)?[1] == "1" && $0.contains(" at ") }
        #expect(met, "\(shown)")
        #expect(TerminalScreen.row("payment", in: shown) == nil, "\(shown)")
        try screen.send("]")
        (met, shown) = screen.waitFor { TerminalScreen.row("request", in: $0)?[1] == "3" && $0.contains("capture end") }
        #expect(met, "\(shown)")
        try screen.send("q")
        #expect(screen.exitStatus() == 0)
    }

    @Test func quitHelpAndResizeLeaveTheTerminalAsItWas() throws {
        let scratch = try Scratch()
        let screen = try Self.open([try Self.shop(scratch)])
        try screen.send("?")
        var (met, shown) = screen.waitFor("Any key closes this help.")
        #expect(met, "\(shown)")
        try screen.send("x")
        (met, shown) = screen.waitFor("SPAN TYPE")
        #expect(met)
        try screen.resize(rows: 20, columns: 90)
        (met, shown) = screen.waitFor { $0.split(separator: "\n").first.map { $0.count <= 90 && $0.hasSuffix("capture end") } ?? false }
        #expect(met, "the title bar is drawn again at the new width:\n\(shown)")
        try screen.send("q")
        #expect(screen.exitStatus() == 0)
        // Back on the normal screen: top's rows are gone, the shell's output is there.
        shown = screen.screen()
        #expect(!shown.contains("SPAN TYPE") && shown.contains("EXIT=0"), "\(shown)")
    }

    @Test func aDamagedCaptureShowsWhatCameBeforeTheDamage() throws {
        let scratch = try Scratch()
        let capture = try Self.shop(scratch)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: capture))
        let cut = scratch.path("cut.cap")
        try bytes.prefix(bytes.count - 40).write(to: URL(fileURLWithPath: cut))
        let screen = try TerminalScreen(spanlog: ["top", cut])
        let (met, shown) = screen.waitFor("stopped: ")
        #expect(met, "\(shown)")
        #expect(TerminalScreen.row("request", in: shown) != nil, "\(shown)")
        try screen.send("q")
        // As replay: 1, a problem in the input, said on stderr once the screen is closed.
        #expect(screen.exitStatus() == 1)
        #expect(screen.screen().contains("spanlog top: "), "\(screen.screen())")
    }

    @Test func colourHonoursNoColorAndDumbTerminalsGetTheTable() throws {
        let scratch = try Scratch()
        let capture = try Self.shop(scratch)
        let coloured = try Self.open([capture])
        let sgrColour = #/\x1B\[[0-9;]*(3[0-7]|4[0-7]|38;5;[0-9]+|48;5;[0-9]+)[;m]/#
        #expect(coloured.screen(withEscapes: true).contains(sgrColour))
        try coloured.send("q")
        let plain = try Self.open([capture], environment: ["NO_COLOR": "1"])
        let escapes = plain.screen(withEscapes: true)
        #expect(!escapes.contains(sgrColour), "\(escapes.debugDescription)")
        #expect(escapes.contains("\u{1B}[7m"), "without colour, the bars are drawn in reverse video")
        try plain.send("q")
        // TERM=dumb cannot place the cursor: the table is printed, and top says why.
        let dumb = try TerminalScreen(spanlog: ["top", capture], environment: ["TERM": "dumb"])
        #expect(dumb.exitStatus() == 0)
        let shown = dumb.screen()
        #expect(shown.contains("TERM=dumb cannot move the cursor"), "\(shown)")
        #expect(TerminalScreen.row("request", in: shown)?[1] == "3", "\(shown)")
    }
}

/// `spanlog top -- COMMAND`: a live session.
@Suite(.enabled(if: TerminalScreen.skipReason == nil && KernelSupport.available,
                "\(TerminalScreen.skipReason ?? KernelSupport.skipReason ?? "")"), .serialized)
struct TopLiveTests {
    @Test func aLiveCommandsOutputIsShownInTheViewsNeverOverTheScreen() throws {
        let scratch = try Workspace()
        try scratch.write("serve.sh", """
            i=0
            while true; do
              i=$((i+1))
              echo ">:t:req:n=$i:" > /dev/null
              printf '\\033[2J\\033[Hclobber %s\\n' "$i"
              echo "<:t:req::" > /dev/null
              sleep 0.02
            done
            """)
        let screen = try TerminalScreen(spanlog: ["top", "--interval", "200ms", "--", "bash", scratch.path("serve.sh")])
        var (met, shown) = screen.waitFor { (TerminalScreen.row("req", in: $0).flatMap { Int($0[1]) } ?? 0) >= 10 }
        #expect(met, "\(shown)")
        // The command's escape sequences never reached the terminal: the title is still on top.
        #expect(shown.hasPrefix(" spanlog top  run: bash"), "\(shown)")
        #expect(!shown.split(separator: "\n").contains { $0.hasPrefix("clobber") }, "\(shown)")
        try screen.send("Enter", "Enter")
        (met, shown) = screen.waitFor("Lines (1)")
        #expect(met, "\(shown)")
        #expect(shown.contains(" out \\e[2J\\e[Hclobber "), "its line, its escape sequences shown as the text view shows them:\n\(shown)")
        // A stop signal to spanlog: the command gets it, the terminal comes back.
        let pid = try #require(Self.pid(of: scratch.path("serve.sh")))
        kill(pid, SIGTERM)
        #expect(screen.exitStatus() == 143)
        #expect(!screen.screen().contains("Waterfall"))
    }

    @Test func aCrashingCommandLeavesTheScreenUpWithItsEnd() throws {
        let scratch = try Workspace()
        try scratch.write("crash.sh", """
            echo ">:t:job::" > /dev/null
            echo "about to crash"
            echo "<:t:job::" > /dev/null
            kill -SEGV $$
            """)
        let screen = try TerminalScreen(spanlog: ["top", "--", "bash", scratch.path("crash.sh")])
        let (met, shown) = screen.waitFor("command ended by signal 11")
        #expect(met, "\(shown)")
        #expect(TerminalScreen.row("job", in: shown)?[1] == "1", "\(shown)")
        try screen.send("q")
        #expect(screen.exitStatus() == 139, "top exits with the command's status, as run does")
    }

    @Test func aTerminalThatHangsUpEndsTopAndItsCommand() throws {
        let scratch = try Workspace()
        try scratch.write("forever.sh", "while true; do echo '>:t:beat::' > /dev/null; echo '<:t:beat::' > /dev/null; sleep 0.05; done\n")
        let screen = try TerminalScreen(spanlog: ["top", "--", "bash", scratch.path("forever.sh")])
        let (met, shown) = screen.waitFor { TerminalScreen.row("beat", in: $0) != nil }
        #expect(met, "\(shown)")
        let pid = try #require(Self.pid(of: scratch.path("forever.sh")))
        try screen.hangUp()
        // top sees the hang-up, stops the command and ends; it does not spin on a dead terminal.
        let deadline = Date().addingTimeInterval(15)
        while kill(pid, 0) == 0 && Date() < deadline { usleep(50_000) }
        #expect(kill(pid, 0) != 0, "spanlog top \(pid) still runs after its terminal hung up")
        #expect(Self.pid(of: scratch.path("forever.sh")) == nil)
    }

    @Test func followingARunningProcessAndQuittingLeavesItRunning() throws {
        let scratch = try Workspace()
        try scratch.write("worker.sh", """
            while true; do
              echo ">:t:tick::" > /dev/null
              echo "tick"
              echo "<:t:tick::" > /dev/null
              sleep 0.02
            done
            """)
        let worker = Process()
        worker.executableURL = URL(fileURLWithPath: "/bin/bash")
        worker.arguments = [scratch.path("worker.sh")]
        worker.standardOutput = FileHandle.nullDevice
        try worker.run()
        defer { kill(worker.processIdentifier, SIGKILL); worker.waitUntilExit() }
        let screen = try TerminalScreen(spanlog: ["top", "--interval", "200ms", "--pid", String(worker.processIdentifier)])
        let (met, shown) = screen.waitFor { (TerminalScreen.row("tick", in: $0).flatMap { Int($0[1]) } ?? 0) >= 3 }
        #expect(met, "\(shown)")
        #expect(shown.contains("tail: pid \(worker.processIdentifier)"), "\(shown)")
        try screen.send("q")
        #expect(screen.exitStatus() == 0)
        #expect(worker.isRunning, "quitting top stops following, not the process")
    }

    /// The spanlog top running this script (not another test's).
    static func pid(of script: String) -> Int32? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        // The oldest: spanlog itself, not the session holder it forks (the same command line).
        process.arguments = ["-f", "-o", "^" + SpanlogBinary.url.path + " top .*" + script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try? process.run()
        process.waitUntilExit()
        return Int32(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
