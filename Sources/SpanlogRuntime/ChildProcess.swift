#if canImport(Glibc)
import Glibc
#endif
import CSpanlogProcess
import Foundation
import SpanlogCollector
import SpanlogCore

/// A command spanlog starts itself: forked, held at a gate until the caller has registered its
/// pid for tracing, then exec'd, so nothing it writes escapes the collector.
final class ChildProcess {
    let pid: Int32
    let executableName: String
    /// What its stdout and stderr are: the kernel names its lines' streams by them.
    let stdoutIdentity: FileIdentity?
    let stderrIdentity: FileIdentity?
    private var gate: Int32
    private var execReport: Int32
    /// What spanlog reads of the command's stdout and stderr: two terminals (pty mode), or two pipes.
    private var outputs: [Int32]
    /// The command's own process group (pty mode, or pipes without a terminal for input).
    private let processGroup: Int32?
    /// Signalled once per output read to its end.
    private let outputsDrained = DispatchSemaphore(value: 0)
    private var draining = 0
    /// Signalled once per drain thread when the command has been reaped: only then are the
    /// terminals closed (see `drain`).
    private let commandReaped = DispatchSemaphore(value: 0)
    private var drainThreads = 0

    /// Forks `command` and leaves it waiting at the gate. With `usePty` its stdout and its
    /// stderr are two new pseudo-terminals (stdout's is its controlling terminal), so its stdio
    /// stays line-buffered and coloured as on a terminal, and the kernel still tells the two
    /// streams apart by the file behind them (`echo oops >&2` is a write to fd 1 after dup2);
    /// otherwise two pipes. Either way nothing it writes reaches spanlog's own output unasked.
    init(command: [String], usePty: Bool) throws(SessionError) {
        guard let executable = Self.resolve(command[0]) else {
            throw Self.notRunnable(command[0])
        }
        var outputs: [Int32] = []  // what spanlog reads: the two terminals, or the two pipes
        var childOut: Int32 = -1, childErr: Int32 = -1
        if usePty {
            for _ in 0..<2 {
                var masterFD: Int32 = -1, slaveFD: Int32 = -1
                let status = sl_open_pty(&masterFD, &slaveFD)
                if status != 0 {
                    (outputs + [childOut, childErr]).filter { $0 >= 0 }.forEach { close($0) }
                    throw SessionError(.environment, what: "cannot open a pseudo-terminal",
                                       why: String(cString: strerror(-status)), fix: "use --no-pty")
                }
                outputs.append(masterFD)
                if childOut < 0 { childOut = slaveFD } else { childErr = slaveFD }
            }
        } else {
            for _ in 0..<2 {
                var ends: [Int32] = [-1, -1]
                // Close-on-exec for every end: the child gets its ends through dup2.
                guard pipe(&ends) == 0, fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0 else {
                    let error = errno
                    (outputs + [childOut, childErr]).filter { $0 >= 0 }.forEach { close($0) }
                    throw SessionError(.environment, what: "cannot create pipes for the command",
                                       why: String(cString: strerror(error)), fix: Self.descriptorAdvice(error))
                }
                outputs.append(ends[0])
                if childOut < 0 { childOut = ends[1] } else { childErr = ends[1] }
            }
        }
        // Its own process group, so a stop signal reaches the whole job (a shell loop and what
        // it runs), unless it shares spanlog's terminal for input: then it stays in spanlog's
        // group, where the terminal's Ctrl-C reaches it anyway and reading does not stop it.
        let ownGroup = !usePty && isatty(STDIN_FILENO) != 1
        var gate: Int32 = -1, execReport: Int32 = -1
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        stdoutIdentity = FileIdentity(descriptor: childOut)
        stderrIdentity = FileIdentity(descriptor: childErr)
        let pid = sl_spawn_gated(executable, argv, childOut, childErr, usePty ? 1 : 0, ownGroup ? 1 : 0, &gate, &execReport)
        close(childOut)
        if childErr != childOut { close(childErr) }
        guard pid > 0 else {
            outputs.forEach { close($0) }
            throw SessionError(.environment, what: "cannot start '\(command[0])'", why: String(cString: strerror(-pid)),
                               fix: Self.descriptorAdvice(-pid))
        }
        self.pid = pid
        self.gate = gate
        self.execReport = execReport
        self.outputs = outputs
        processGroup = usePty || ownGroup ? pid : nil
        executableName = String(executable.split(separator: "/").last ?? "")
    }

    /// Where stop signals go: the command's process group when it has one.
    var signalTarget: Int32 { processGroup.map { -$0 } ?? pid }

    /// Advice for running out of descriptors; nil for other errors.
    static func descriptorAdvice(_ error: Int32) -> String? {
        guard error == EMFILE || error == ENFILE else { return nil }
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return "the limit of open files is \(limit.rlim_cur) (ulimit -n); raise it, for example: ulimit -n 4096"
    }

    /// Lets the child exec; throws if exec failed (the child is reaped then). With
    /// `passThrough`, what it writes to its terminal is copied to spanlog's standard output
    /// (record: the user's program shows itself); otherwise spanlog shows its own view.
    func release(commandName: String, passThrough: Bool) throws(SessionError) {
        let execError = sl_release_child(gate, execReport)
        gate = -1
        execReport = -1
        if execError != 0 {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            throw SessionError(.environment, what: "cannot run '\(commandName)'", why: String(cString: strerror(execError)))
        }
        for (index, fd) in outputs.enumerated() {
            // The second terminal or pipe is stderr.
            let copyTo: Int32? = passThrough ? (index == 0 ? STDOUT_FILENO : STDERR_FILENO) : nil
            Self.drain(fd, copyTo: copyTo, done: outputsDrained, reaped: commandReaped)
            draining += 1
            drainThreads += 1
        }
        outputs = []
    }

    /// The exit status as a shell reports it (the code, or 128 + the signal), once the child
    /// has ended; nil while it runs.
    func pollExit() -> Int32? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        for _ in 0..<drainThreads { commandReaped.signal() }
        drainThreads = 0
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// Signals the command's whole process group when it has one, else the command.
    func signal(_ number: Int32) {
        kill(signalTarget, number)
    }

    /// Kills a child that never ran its program (tracing could not start) and reaps it.
    func abandon() {
        outputs.forEach { close($0) }
        outputs = []
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// Reads what the command writes to its terminal or pipe, so it never blocks on a full one,
    /// and copies it to `copyTo` or discards it (spanlog shows its own view of those bytes,
    /// captured at the write).
    private static func drain(_ fd: Int32, copyTo output: Int32?, done: DispatchSemaphore, reaped: DispatchSemaphore) {
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var copying = output != nil
            while true {
                let count = buffer.withUnsafeMutableBytes { FileDescriptorIO.read(fd, into: $0) }
                if count <= 0 { break }
                if copying, let output {
                    // A reader of spanlog's output that went away stops the copy, not the command.
                    copying = buffer.withUnsafeBytes {
                        FileDescriptorIO.writeAll(output, UnsafeRawBufferPointer(rebasing: $0[..<count])) == nil
                    }
                }
            }
            done.signal()
            // Closing a terminal's master hangs it up, and the kernel sends SIGHUP to the
            // session's leader: the command. Its side can read as closed while it still runs
            // (GNU make closes stdout in an exit handler, before it exits), so the terminal is
            // closed once the command has been reaped, never under it.
            reaped.wait()
            close(fd)
        }
    }

    /// Waits until the command's last output is copied; a grandchild that keeps the terminal
    /// or a pipe open cannot hold spanlog longer than `timeout` seconds.
    func waitForOutput(timeout: Double) {
        let deadline = DispatchTime.now() + timeout
        while draining > 0 {
            draining -= 1
            if outputsDrained.wait(timeout: deadline) == .timedOut { return }
        }
    }

    /// Why `name` cannot be run, in the user's terms: a path that is missing, a directory or not
    /// executable, or a name no directory of PATH holds.
    static func notRunnable(_ name: String) -> SessionError {
        let what = "cannot run '\(name)'"
        guard name.contains("/") else {
            return SessionError(.environment, what: what, why: "no such command in PATH",
                                fix: "check its name, or give its path (./\(name) for one in this directory)")
        }
        var info = stat()
        if stat(name, &info) != 0 {
            return SessionError(.environment, what: what, why: "\(name) does not exist", fix: "check the path")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            return SessionError(.environment, what: what, why: "\(name) is a directory", fix: "name the program inside it")
        }
        return SessionError(.environment, what: what, why: "\(name) is not executable",
                            fix: "make it executable (chmod +x \(name)) or run it through its interpreter")
    }

    static func resolve(_ name: String) -> String? {
        if name.contains("/") {
            var info = stat()
            return stat(name, &info) == 0 && (info.st_mode & S_IFMT) != S_IFDIR && access(name, X_OK) == 0 ? name : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }
}
