import SpanlogTestSupport
import Foundation
import Testing

/// Stopping spanlog stops the whole traced job; killing spanlog takes the job with it; the
/// command's own output never mixes into spanlog's.
@Suite(.serialized, .enabled(if: KernelSupport.available, Comment(rawValue: KernelSupport.skipReason ?? "")))
struct ProcessControlTests {
    /// `spanlog run --format json -- ARGS`, started; returns once the command printed `started`.
    final class Running {
        let process = Process()
        let output: URL

        init(_ arguments: [String], in workspace: Workspace) throws {
            output = workspace.url.appendingPathComponent("out.jsonl")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            process.executableURL = SpanlogBinary.url
            process.arguments = ["run", "--format", "json", "--no-default-rules"] + arguments
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

        /// The pid that wrote `started`, once spanlog has shown that line (polling its output file).
        func waitForStart() throws -> Int32 {
            for _ in 0..<400 {
                if let line = text.split(separator: "\n").first(where: { $0.contains("\"text\":\"started\"") }),
                   let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                   let pid = object["pid"] as? Int {
                    return Int32(pid)
                }
                usleep(25_000)
            }
            throw CancellationError()
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    static func gone(_ pid: Int32) -> Bool {
        for _ in 0..<200 {
            if kill(pid, 0) != 0 && errno == ESRCH { return true }
            // A zombie still answers kill(0): look at its state.
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), stat.contains(") Z ") { return true }
            usleep(25_000)
        }
        return false
    }

    @Test func spanTimeoutClosesASpanWhileItsProcessSleeps() throws {
        let workspace = try Workspace()
        #expect(mkfifo(workspace.path("go"), 0o600) == 0)
        try workspace.write("job.sh", """
            echo ">:t:sleepy::" > /dev/null
            read -t 60 line < "$1/go"
            """)
        let running = try Running(["--span-timeout", "300ms", "--", "/bin/bash", workspace.path("job.sh"),
                                   workspace.url.path], in: workspace)
        // The span record comes while the job still waits on the FIFO: time closed it, not an event.
        var span: [String: Any]?
        for _ in 0..<400 where span == nil {
            span = running.text.split(separator: "\n").lazy
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .first { $0["type"] as? String == "span" }
            if span == nil { usleep(25_000) }
        }
        let go = open(workspace.path("go"), O_WRONLY | O_NONBLOCK)
        #expect(go >= 0, "the job stopped waiting before its span was reported")
        if go >= 0 {
            _ = write(go, "go\n", 3)
            close(go)
        }
        running.process.waitUntilExit()
        let record = try #require(span, "no span record while the job slept: \(running.text)")
        #expect(record["end_reason"] as? String == "timeout")
        #expect(record["duration_ns"] as? Int == 300_000_000)
    }

    @Test func sigtermReachesTheWholeJobAndSpanlogEndsWithItsStats() throws {
        let workspace = try Workspace()
        let run = try Running(["--", "/bin/bash", "-c", "echo started; while true; do /bin/sleep 0.05; done"], in: workspace)
        let shell = try run.waitForStart()
        kill(run.process.processIdentifier, SIGTERM)
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 128 + SIGTERM, "spanlog exits with the command's status")
        #expect(Self.gone(shell), "the loop is gone")
        #expect(run.text.contains("\"type\":\"stats\""))
    }

    @Test func aCommandThatIgnoresTheSignalIsKilledAfterTheGrace() throws {
        let workspace = try Workspace()
        let run = try Running(["--kill-after", "0.3", "--", "/bin/bash", "-c",
                               "trap '' TERM INT; echo started; while true; do /bin/sleep 0.05; done"], in: workspace)
        let shell = try run.waitForStart()
        kill(run.process.processIdentifier, SIGINT)
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 128 + SIGKILL)
        #expect(Self.gone(shell))
        #expect(run.text.contains("\"type\":\"stats\""))
    }

    @Test func killingSpanlogTakesTheCommandWithIt() throws {
        let workspace = try Workspace()
        let run = try Running(["--", "/bin/bash", "-c", "echo started; exec /bin/sleep 60"], in: workspace)
        let sleeper = try run.waitForStart()
        kill(run.process.processIdentifier, SIGKILL)
        run.process.waitUntilExit()
        #expect(Self.gone(sleeper), "the command did not outlive spanlog")
    }

    /// A start script that launches a job in the background and exits: the job keeps running,
    /// as it would in a terminal that stays open (the command is not the terminal's session
    /// leader, whose exit would hang up its group).
    @Test func aBackgroundJobTheCommandLeavesRunningIsNotHungUp() throws {
        let workspace = try Workspace()
        #expect(mkfifo(workspace.path("go"), 0o600) == 0)
        // The job closes what it inherited beyond stdio: the test runner's Process watches a
        // descriptor of its own in spanlog, and would wait for the job to close it.
        try workspace.write("start.sh", """
            ( for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
              trap 'echo "got HUP" >> \(workspace.path("out")); exit 1' HUP
              read _ < \(workspace.path("go")); echo done >> \(workspace.path("out")) ) &
            echo started
            """)
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", "/bin/bash", workspace.path("start.sh")])
        #expect(result.status == 0, "\(result.stderr)")
        // spanlog has ended; the job waits at the FIFO. A writer can open it only once the job
        // has it open for reading (ENXIO before): a hung-up job never will, so the wait is
        // bounded.
        var writer: Int32 = -1
        for _ in 0..<200 where writer < 0 {
            writer = open(workspace.path("go"), O_WRONLY | O_NONBLOCK)
            if writer < 0 { usleep(25_000) }
        }
        try #require(writer >= 0, "no background job reads its FIFO: it was hung up")
        _ = write(writer, "go\n", 3)
        close(writer)
        var out = ""
        for _ in 0..<200 where !out.contains("\n") {
            out = (try? String(contentsOfFile: workspace.path("out"), encoding: .utf8)) ?? ""
            if !out.contains("\n") { usleep(25_000) }
        }
        #expect(out == "done\n", "the background job was hung up: \(out)")
    }

    /// A command that closes its terminal and goes on (GNU make closes stdout in an exit
    /// handler) must not be hung up by spanlog closing the terminal's other side: its status
    /// is its own, not SIGHUP's 129.
    @Test func aCommandThatClosesItsTerminalBeforeItExitsIsNotHungUp() throws {
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", "/bin/bash", "-c",
                                            "echo before; exec 1>&- 2>&-; sleep 0.3; exit 3"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.lines.contains { $0["text"] as? String == "before" })
    }

    @Test func theDefaultTerminalsKeepStdoutAndStderrApart() throws {
        // bash's `>&2` is dup2 then a write to fd 1: only the file behind it says stderr.
        let workspace = try Workspace()
        let result = try SpanlogBinary.run(["run", "--format", "json", "--no-default-rules", "--", "/bin/bash", "-c",
                                            "echo oops >&2; echo fine; [ -t 1 ] && [ -t 2 ] && echo both are terminals"],
                                           in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let streams = Dictionary(result.lines.map { ($0["text"] as? String ?? "", $0["stream"] as? String ?? "") },
                                 uniquingKeysWith: { first, _ in first })
        #expect(streams == ["oops": "stderr", "fine": "stdout", "both are terminals": "stdout"])
    }

    @Test func noPtyGivesTheCommandPipesSoItsOutputStaysOutOfTheRecords() throws {
        let workspace = try Workspace()
        let result = try SpanlogBinary.run(["run", "--format", "json", "--no-pty", "--", "/bin/sh", "-c",
                                            "echo raw out; /bin/cat /nonexistent-spanlog-path"], in: workspace.url)
        #expect(result.status == 1, "the command's status")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil }, "\(result.stdout)")
        #expect(result.lines.contains { $0["text"] as? String == "raw out" && $0["stream"] as? String == "stdout" })
        #expect(result.lines.contains { ($0["text"] as? String)?.contains("nonexistent-spanlog-path") == true
                && $0["stream"] as? String == "stderr" })
        #expect(!result.stderr.contains("nonexistent-spanlog-path"))
    }
}

/// What a person sees of `spanlog run` on a terminal.
@Suite(.enabled(if: TerminalScreen.skipReason == nil && KernelSupport.available,
                "\(TerminalScreen.skipReason ?? KernelSupport.skipReason ?? "")"), .serialized)
struct TerminalViewTests {
    /// `input("name? ")`: the prompt has no newline, and the program waits for an answer. The
    /// view shows it after a pause, as a terminal would, and the whole line once it ends.
    @Test func aPromptWithoutANewlineShowsWhileTheProgramWaits() throws {
        let workspace = try Workspace()
        #expect(mkfifo(workspace.path("answer"), 0o600) == 0)
        let screen = try TerminalScreen(spanlog: ["run", "--color", "never", "--", "/bin/bash", "-c",
                                                  "printf 'name? '; read reply < \(workspace.path("answer")); echo \"hello $reply\""])
        var (met, shown) = screen.waitFor(seconds: 10) { $0.contains("out  name?") }
        #expect(met, "the prompt is shown while the program waits at it: \(shown)")
        let answer = try #require(FileHandle(forWritingAtPath: workspace.path("answer")))
        answer.write(Data("Ada\n".utf8))
        try answer.close()
        (met, shown) = screen.waitFor("out  name? hello Ada")
        #expect(met, "then the whole line: \(shown)")
        #expect(screen.exitStatus() == 0)
    }
}
