import SpanlogTestSupport
import Foundation
import Testing

/// Real BPF programs attached to real processes, through the spanlog binary. Serialized: two
/// collectors at once would only measure the machine's two cores.
@Suite(.serialized, .enabled(if: KernelSupport.available, Comment(rawValue: KernelSupport.skipReason ?? "")))
struct CollectorTests {
    /// The seed: a shell loop of website-latency spans around curl against a local server.
    @Test func seedExampleAttributesEveryCurlLineToItsSpan() throws {
        let workspace = try Workspace()
        try workspace.write("page.txt", "alpha line\nbeta line\ngamma line\n")
        let server = try Background("/usr/bin/python3", ["-c", """
            import http.server, functools, sys
            http.server.SimpleHTTPRequestHandler.log_message = lambda *args: None
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
            server = http.server.HTTPServer(("127.0.0.1", 0), handler)
            print(server.server_port, flush=True)
            server.serve_forever()
            """, workspace.url.path])
        defer { server.kill() }
        let port = try #require(server.nextLine())
        let script = try workspace.workload("seed.sh")
        let result = try SpanlogBinary.run(
            ["run", "--format", "json", "--", "/bin/bash", script, "http://127.0.0.1:\(port)/page.txt", "5"],
            in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")

        let spans = result.spans.filter { ($0["tags"] as? [String]) == ["website-latency"] }
        #expect(spans.count == 5)
        #expect(spans.allSatisfy { $0["end_reason"] as? String == "exit_marker" && $0["lines"] as? Int == 3 })
        let curlLines = result.lines.filter { $0["comm"] as? String == "curl" }
        #expect(curlLines.count == 15)
        let spanUIDs = Set(spans.compactMap { $0["uid"] as? String })
        for line in curlLines {
            let span = try #require(line["span"] as? [String: Any], "curl line without a span: \(line)")
            #expect(spanUIDs.contains(span["uid"] as? String ?? ""))
        }
        // Each round's three lines share one span, in order.
        let byUID = Dictionary(grouping: curlLines) { ($0["span"] as? [String: Any])?["uid"] as? String ?? "" }
        #expect(byUID.values.allSatisfy { $0.map { $0["text"] as? String ?? "" } == ["alpha line", "beta line", "gamma line"] })
    }

    @Test func pythonThreadsGetTheirOwnThreadSpansOnStdoutAndInTheLogFile() throws {
        let workspace = try Workspace()
        let script = try workspace.workload("threads.py")
        let logFile = workspace.path("workers.log")
        let result = try SpanlogBinary.run(
            ["run", "--format", "json", "--", "/usr/bin/python3", script, logFile, "4", "20"], in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")

        let workerLines = result.lines.filter { ($0["text"] as? String)?.contains("worker w") == true }
        #expect(workerLines.count == 4 * 20 * 2)
        for line in workerLines {
            let text = line["text"] as? String ?? ""
            let worker = text.split(separator: " ").first { $0.wholeMatch(of: /w\d/) != nil }.map(String.init) ?? "?"
            let span = line["span"] as? [String: Any]
            #expect(span?["tags"] as? [String] == ["worker", worker], "\(text) in \(String(describing: span))")
        }
        let fileLines = workerLines.filter { $0["stream"] as? String == "file" }
        #expect(fileLines.count == 80)
        #expect(fileLines.allSatisfy { $0["path"] as? String == logFile && $0["level"] as? String == "info" })
        // The main thread's line belongs to the process-wide p span.
        let mainLine = try #require(result.lines.first { $0["text"] as? String == "main thread done" })
        #expect((mainLine["span"] as? [String: Any])?["tags"] as? [String] == ["batch"])
        let workerSpans = result.spans.filter { ($0["tags"] as? [String])?.first == "worker" }
        #expect(workerSpans.count == 4)
        let batch = try #require(result.spans.first { ($0["tags"] as? [String]) == ["batch"] })
        #expect(workerSpans.allSatisfy { $0["parent"] as? String == batch["uid"] as? String })
    }

    /// Also through the descriptor-table read that kernels before 6.17 get, through the build
    /// without kfuncs that kernels before 6.2 get, and through the bounded-loops build of 5.10.
    @Test(arguments: [[], ["--bpf-fd-table-by-helper"], ["--bpf-without-kfuncs"], ["--bpf-bounded-loops"]])
    func writevPwriteAndPwritevAreCaptured(options: [String]) throws {
        let workspace = try Workspace()
        let binary = try workspace.workload("vectored.c")
        let logFile = workspace.path("vectored.log")
        let result = try SpanlogBinary.run(["run", "--format", "json"] + options + ["--", binary, logFile],
                                           in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let texts = result.lines.map { $0["text"] as? String ?? "" }
        #expect(texts == ["first line from writev", "second line from writev", "pwrite line one", "pwrite line two",
                          "pwritev line three"])
        #expect(result.lines.allSatisfy { ($0["span"] as? [String: Any])?["id"] as? Int == 4100 })
        #expect(result.lines.filter { $0["path"] as? String == logFile }.count == 3)
    }

    /// The program tells ia32 system calls from x86-64 ones: their numbers and registers differ.
    @Test(.enabled(if: KernelSupport.ia32Emulation, "the kernel runs no 32-bit system calls (IA32 emulation off)"))
    func thirtyTwoBitSystemCallsAreCapturedAndNotMistakenForOthers() throws {
        let workspace = try Workspace()
        let binary = try workspace.workload("compat.c")
        let logFile = workspace.path("compat.log")
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", binary, logFile], in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let texts = result.lines.map { $0["text"] as? String ?? "" }
        #expect(texts == ["ia32 write line", "ia32 writev line", "ia32 pwrite line", "getpid matches"])
        #expect(result.lines.allSatisfy { ($0["span"] as? [String: Any])?["id"] as? Int == 4200 })
        #expect(result.lines.first { $0["text"] as? String == "ia32 pwrite line" }?["path"] as? String == logFile)
    }

    /// Runtimes fork in their own cgroup and move the child into the container's before it
    /// execs; spanlog sees the fork first, so it must look at the container again.
    @Test(.enabled(if: KernelSupport.writableCgroupHierarchy != nil, "no writable cgroup hierarchy to make a container cgroup in"))
    func aProcessMovedIntoAContainerCgroupGetsItsID() throws {
        let workspace = try Workspace()
        let script = try workspace.workload("container.sh")
        let container = try ContainerCgroup()
        let (id, cgroup) = (container.id, container.path)
        let fifo = workspace.path("go")
        #expect(mkfifo(fifo, 0o600) == 0)

        let spanlog = try Background(SpanlogBinary.url.path, ["run", "--format", "json", "--", "/bin/bash", script,
                                                              cgroup, fifo])
        defer { spanlog.kill() }
        // The child's line has gone through spanlog, so its fork was seen before it moves.
        #expect(spanlog.waitForLine(containing: "child ready") != nil)
        let gate = try #require(FileHandle(forWritingAtPath: fifo))
        gate.write(Data("go\n".utf8))
        try gate.close()
        var rest: [String] = []
        while let line = spanlog.nextLine() { rest.append(line) }
        #expect(spanlog.wait() == 0)

        let result = SpanlogBinary.Result(status: 0, stdout: rest.joined(separator: "\n"), stderr: "")
        let inside = try #require(result.spans.first { ($0["tags"] as? [String]) == ["inside"] })
        #expect(inside["container"] as? String == id)
        #expect(inside["lines"] as? Int == 1)
        let outside = try #require(result.spans.first { ($0["tags"] as? [String]) == ["outside"] })
        #expect(outside["container"] is NSNull)
    }

    /// `tail --container` also follows processes that enter the container after it started,
    /// as `docker exec` does: the kernel matches the cgroup names at exec.
    @Test(.enabled(if: KernelSupport.writableCgroupHierarchy != nil, "no writable cgroup hierarchy to make a container cgroup in"))
    func tailFollowsProcessesThatEnterTheContainerLater() throws {
        let workspace = try Workspace()
        let container = try ContainerCgroup()
        let (id, cgroup) = (container.id, container.path)

        let tail = try TailSession(["--container", String(id.prefix(12))], in: workspace)
        #expect(tail.announcement.contains("capturing container"))

        func program(_ label: String) -> String {
            "exec /bin/sh -c \"echo '>:t:joined::' > /dev/null; echo '\(label) line'; echo '<:t:joined::' > /dev/null\""
        }
        // One process enters the container and then execs, one stays outside.
        let inside = try workspace.runTool("/bin/sh", ["-c", "echo $$ > \(cgroup)/cgroup.procs && \(program("inside"))"])
        let outside = try workspace.runTool("/bin/sh", ["-c", program("outside")])
        #expect(inside == 0 && outside == 0)
        let result = try tail.stop()
        #expect(result.lines.map { $0["text"] as? String ?? "" } == ["inside line"])
        let span = try #require(result.spans.first { ($0["tags"] as? [String]) == ["joined"] })
        #expect(span["container"] as? String == id)
        #expect(span["lines"] as? Int == 1)
        #expect(result.spans.count == 1)
    }

    /// `tail --comm` follows programs started after it, by the name the kernel gives them.
    @Test func tailFollowsProgramsOfThatNameStartedLater() throws {
        let workspace = try Workspace()
        let named = workspace.path("slcommprobe")
        try FileManager.default.createSymbolicLink(atPath: named, withDestinationPath: "/bin/sh")
        let tail = try TailSession(["--comm", "slcommprobe"], in: workspace)
        #expect(tail.announcement.contains("capturing processes named slcommprobe"))

        let program = "echo '>:t:named::' > /dev/null; echo \"$1 line\"; echo '<:t:named::' > /dev/null"
        let matching = try workspace.runTool(named, ["-c", program, "sh", "matching"])
        let other = try workspace.runTool("/bin/sh", ["-c", program, "sh", "other"])
        #expect(matching == 0 && other == 0)
        let result = try tail.stop()
        #expect(result.status == 0)
        #expect(result.lines.map { $0["text"] as? String ?? "" } == ["matching line"])
        let span = try #require(result.spans.first { ($0["tags"] as? [String]) == ["named"] })
        #expect(span["comm"] as? String == "slcommprobe")
        #expect(span["lines"] as? Int == 1)
    }

    /// SIGTERM drains the ring buffer and reports what is unfinished: the open span, the line
    /// without its newline, the stats.
    @Test func sigtermReportsOpenSpansAndPartialLines() throws {
        let workspace = try Workspace()
        // os.write, not a shell: a shell's `>&2` moves the write onto fd 1.
        let app = try Background("/usr/bin/python3", ["-c", """
            import os, sys
            sys.stdin.readline()
            os.write(os.open("/dev/null", os.O_WRONLY), b">:7:pending::\\n")
            os.write(2, b"half a line")
            os.write(1, b"written\\n")
            sys.stdin.readline()
            """])
        defer { app.kill() }
        let tail = try TailSession(["--pid", String(app.process.processIdentifier)], in: workspace)
        app.send("go")
        #expect(app.waitForLine(containing: "written") != nil)
        let result = try tail.stop(with: SIGTERM)
        #expect(result.status == 0)
        let span = try #require(result.spans.first { ($0["tags"] as? [String]) == ["pending"] })
        #expect(span["end_reason"] as? String == "still_open")
        #expect(span["lines"] as? Int == 2, "the signal line and the partial one")
        let partial = try #require(result.lines.first { $0["stream"] as? String == "stderr" })
        #expect(partial["text"] as? String == "half a line")
        #expect(result.stats?["open_spans"] as? Int == 1)
    }

    /// The programs hang on BPF links owned by the process: SIGKILL leaves nothing loaded.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/bpftool"), "needs bpftool to list loaded programs"))
    func sigkillLeavesNoProgramLoaded() throws {
        func loadedPrograms() throws -> Set<Int> {
            let output = Pipe()
            let bpftool = Process()
            bpftool.executableURL = URL(fileURLWithPath: "/usr/sbin/bpftool")
            bpftool.arguments = ["prog", "show", "--json"]
            bpftool.standardOutput = output
            try bpftool.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            bpftool.waitUntilExit()
            let programs = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            return Set(programs.filter { $0["name"] as? String == "on_sys_exit" }.compactMap { $0["id"] as? Int })
        }
        let workspace = try Workspace()
        let before = try loadedPrograms()
        let tail = try TailSession(["--all"], in: workspace)
        let ours = try loadedPrograms().subtracting(before)
        #expect(ours.count == 1)
        kill(tail.process.processIdentifier, SIGKILL)
        tail.process.waitUntilExit()
        // The kernel frees a program once its last link is gone, which happens shortly after
        // the process's descriptors are closed; there is nothing to wait on but the listing.
        let deadline = Date().addingTimeInterval(10)
        while try !loadedPrograms().isDisjoint(with: ours), Date() < deadline { usleep(50_000) }
        #expect(try loadedPrograms().isDisjoint(with: ours))
    }

    @Test func numericSpansCrossProcessesAndKilledProcessesAbandonTheirSpans() throws {
        let workspace = try Workspace()
        let script = try workspace.workload("crossproc.sh")
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", "/bin/bash", script], in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let handoff = try #require(result.spans.first { ($0["tags"] as? [String]) == ["handoff"] })
        #expect(handoff["end_reason"] as? String == "exit_marker")
        #expect(handoff["exit_args"] as? [String: String] == ["by": "closer"])
        let opener = try #require(result.lines.first { $0["text"] as? String == "opener says hi" })
        #expect((opener["span"] as? [String: Any])?["uid"] as? String == handoff["uid"] as? String)
        let whole = try #require(result.spans.first { ($0["tags"] as? [String]) == ["whole-process"] })
        #expect(whole["end_reason"] as? String == "exit_marker")
        let doomed = try #require(result.spans.first { ($0["tags"] as? [String]) == ["doomed"] })
        #expect(doomed["end_reason"] as? String == "abandoned")
        let dying = try #require(result.lines.first { $0["text"] as? String == "about to die" })
        #expect((dying["span"] as? [String: Any])?["tags"] as? [String] == ["doomed"])
    }

    @Test func tailFollowsAProcessWhoseDescriptorsWereOpenedBeforeSpanlogStarted() throws {
        let workspace = try Workspace()
        let script = try workspace.workload("preopened.py")
        let logFile = workspace.path("early.log")
        let app = try Background("/usr/bin/python3", [script, logFile])
        defer { app.kill() }
        #expect(app.waitForLine(containing: "ready") != nil)

        let tail = try TailSession(["--pid", String(app.process.processIdentifier)], in: workspace)
        #expect(tail.announcement.contains("capturing pid"))

        app.send("go")
        #expect(app.wait() == 0)
        let result = try tail.stop()
        let span = try #require(result.spans.first { ($0["tags"] as? [String]) == ["late-request"] })
        #expect(span["end_reason"] as? String == "exit_marker")
        #expect(span["lines"] as? Int == 2)
        let fileLine = try #require(result.lines.first { $0["stream"] as? String == "file" })
        #expect(fileLine["path"] as? String == logFile)
        #expect(result.lines.allSatisfy { ($0["span"] as? [String: Any])?["uid"] as? String == span["uid"] as? String })
        #expect(result.stats?["lost_events"] as? Int == 0)
    }

    @Test func rotatedLogKeepsBeingCapturedUnderItsNewPath() throws {
        let workspace = try Workspace()
        let script = try workspace.workload("rotate.py")
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", "/usr/bin/python3", script,
                                            workspace.url.path], in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let fileLines = result.lines.filter { $0["stream"] as? String == "file" }
        let pairs = fileLines.map { [$0["text"] as? String ?? "", $0["path"] as? String ?? ""] }
        #expect(pairs == [
            ["before rotation", workspace.path("app.log")],
            ["after rotation, old descriptor", workspace.path("app.log.1")],
            ["after reopen", workspace.path("app.log")],
        ])
    }

    /// 100,000 lines from 4 processes: each captured exactly once and in order per stream,
    /// unless the kernel reports losing them.
    @Test func burstFromFourProcessesIsCapturedOnceInOrderOrItsLossReported() throws {
        let workspace = try Workspace()
        let binary = try workspace.workload("burst.c")
        let result = try SpanlogBinary.run(["run", "--format", "json", "--ring-buffer-size", "33554432", "--",
                                            binary, "4", "25000"], in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let lost = try #require(result.stats?["lost_events"] as? Int)
        var next = [String: Int]()
        var missing = 0
        var seen = 0
        for line in result.lines {
            let text = line["text"] as? String ?? ""
            let words = text.split(separator: " ")
            guard words.count >= 4, words[0] == "burst", let number = Int(words[3]) else { continue }
            let process = String(words[1])
            let expected = next[process, default: 0]
            #expect(number >= expected, "line \(number) of \(process) out of order or repeated")
            missing += number - expected
            next[process] = number + 1
            seen += 1
        }
        missing += next.values.reduce(0) { $0 + (25_000 - $1) } + (4 - next.count) * 25_000
        #expect(seen + missing == 100_000)
        #expect(missing <= lost, "\(missing) lines missing but only \(lost) events reported lost")
        if lost == 0 { #expect(seen == 100_000) }
    }

    @Test func missingCommandIsOneClearLineAndStatusTwo() throws {
        let workspace = try Workspace()
        let result = try SpanlogBinary.run(["run", "--", "no-such-command-spanlog"], in: workspace.url)
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot run 'no-such-command-spanlog'"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func unprivilegedUserIsToldWhatToDo() throws {
        let workspace = try Workspace()
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: workspace.url.path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                             SpanlogBinary.url.path, "run", "--", "true"]
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(message.contains("not allowed to load BPF programs"))
        #expect(message.contains("sudo"))
    }

    @Test func recordThenReplayGivesTheLiveRecords() throws {
        let workspace = try Workspace()
        let script = try workspace.workload("crossproc.sh")
        let capture = workspace.path("run.cap")
        let live = try SpanlogBinary.run(["run", "--format", "json", "-w", capture, "--", "/bin/bash", script],
                                         in: workspace.url)
        #expect(live.status == 0, "\(live.stderr)")
        let replay = try SpanlogBinary.run(["replay", "--format", "json", capture], in: workspace.url)
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(!live.stdout.isEmpty)
        #expect(replay.stdout == live.stdout)
    }
}
