#if canImport(Glibc)
import Glibc
#endif
import CSpanlogProcess
import Foundation

/// A command spanlog starts itself: forked, held at a gate until the caller has registered its
/// pid for tracing, then exec'd, so nothing it writes escapes the collector.
final class ChildProcess {
    let pid: Int32
    let executableName: String
    private var gate: Int32
    private var execReport: Int32
    private var terminal: Int32
    /// Signalled when the terminal has been read to its end.
    private let terminalDrained = DispatchSemaphore(value: 0)
    private var drainingTerminal = false

    /// Forks `command` and leaves it waiting at the gate. With `usePty` its stdout and stderr
    /// are a new pseudo-terminal, so its stdio stays line-buffered as on a terminal.
    init(command: [String], usePty: Bool) throws(SessionError) {
        guard let executable = Self.resolve(command[0]) else {
            throw SessionError(.environment, what: "cannot run '\(command[0])'", why: "no such command in PATH",
                               fix: "check its name or give its path")
        }
        var masterFD: Int32 = -1, slaveFD: Int32 = -1
        if usePty {
            let status = sl_open_pty(&masterFD, &slaveFD)
            if status != 0 {
                throw SessionError(.environment, what: "cannot open a pseudo-terminal",
                                   why: String(cString: strerror(-status)), fix: "use --no-pty")
            }
        }
        var gate: Int32 = -1, execReport: Int32 = -1
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let pid = sl_spawn_gated(executable, argv, slaveFD, slaveFD, usePty ? 1 : 0, &gate, &execReport)
        if slaveFD >= 0 { close(slaveFD) }
        guard pid > 0 else {
            if masterFD >= 0 { close(masterFD) }
            throw SessionError(.environment, what: "cannot start '\(command[0])'", why: String(cString: strerror(-pid)))
        }
        self.pid = pid
        self.gate = gate
        self.execReport = execReport
        self.terminal = masterFD
        executableName = String(executable.split(separator: "/").last ?? "")
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
        if terminal >= 0 {
            Self.drainTerminal(terminal, copyTo: passThrough ? STDOUT_FILENO : nil, done: terminalDrained)
            drainingTerminal = true
            terminal = -1
        }
    }

    /// The exit status as a shell reports it (the code, or 128 + the signal), once the child
    /// has ended; nil while it runs.
    func pollExit() -> Int32? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    func signal(_ number: Int32) {
        kill(pid, number)
    }

    /// Kills a child that never ran its program (tracing could not start) and reaps it.
    func abandon() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// Reads what the command writes to its terminal, so it never blocks on a full terminal,
    /// and copies it to `copyTo` or discards it (spanlog shows its own view of those bytes,
    /// captured at the write).
    private static func drainTerminal(_ fd: Int32, copyTo output: Int32?, done: DispatchSemaphore) {
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var copying = output != nil
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                if copying, let output {
                    // A reader of spanlog's output that went away stops the copy, not the command.
                    copying = buffer.withUnsafeBytes { bytes in
                        var offset = 0
                        while offset < count {
                            let written = write(output, bytes.baseAddress! + offset, count - offset)
                            if written < 0 && errno == EINTR { continue }
                            if written <= 0 { return false }
                            offset += written
                        }
                        return true
                    }
                }
            }
            close(fd)
            done.signal()
        }
    }

    /// Waits until the command's last terminal output is copied; a grandchild that keeps the
    /// terminal open cannot hold spanlog longer than `timeout` seconds.
    func waitForTerminalOutput(timeout: Double) {
        guard drainingTerminal else { return }
        drainingTerminal = false
        _ = terminalDrained.wait(timeout: .now() + timeout)
    }

    static func resolve(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
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
