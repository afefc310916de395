#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CSpanlogSupport
import Foundation
import SpanlogCollector

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command and show its logs tied to their spans.",
        discussion: """
            The command and all its descendants are traced from their first instruction. By \
            default the command writes to a pseudo-terminal, so its stdio stays line-buffered \
            as on a terminal; spanlog shows its own view instead. Ctrl-C is passed to the \
            command; spanlog exits with the command's exit status.
            """
    )

    @OptionGroup var output: OutputOptions
    @OptionGroup var capture: CaptureOptions

    @Flag(help: "Give the command pipes instead of a pseudo-terminal for stdout and stderr.")
    var noPty = false

    @Option(name: [.customShort("w"), .customLong("write")], help: "Also record the raw events to this capture file.")
    var write: String?

    @Argument(parsing: .postTerminator, help: "The command to run, after '--'.")
    var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("Give the command to run after '--', for example: spanlog run -- ./server") }
    }

    func run() throws {
        let status = try ChildRunner(command: command, usePty: !noPty).run(
            collectorOptions: capture.collectorOptions(), output: output, captureTo: write)
        throw ExitCode(status)
    }
}

/// Starts a command under tracing and waits for it, draining its terminal.
struct ChildRunner {
    let command: [String]
    let usePty: Bool

    func run(collectorOptions: CollectorOptions, output: OutputOptions?, captureTo: String?) throws -> Int32 {
        guard let executable = Self.resolve(command[0]) else {
            printError("spanlog: cannot run '\(command[0])': no such command in PATH; check its name or give its path")
            throw ExitCode(2)
        }
        let session = try LiveSession(collectorOptions: collectorOptions, output: output, captureTo: captureTo)

        var masterFD: Int32 = -1, slaveFD: Int32 = -1
        if usePty {
            let status = sl_open_pty(&masterFD, &slaveFD)
            if status != 0 {
                printError("spanlog: cannot open a pseudo-terminal (\(String(cString: strerror(-status)))); use --no-pty")
                throw ExitCode(2)
            }
        }
        var gate: Int32 = -1, execReport: Int32 = -1
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let pid = sl_spawn_gated(executable, argv, slaveFD, slaveFD, usePty ? 1 : 0, &gate, &execReport)
        guard pid > 0 else {
            printError("spanlog: cannot start '\(command[0])': \(String(cString: strerror(-pid)))")
            throw ExitCode(2)
        }
        // Register before the program runs, so nothing it writes escapes the collector.
        session.collector.traceSpawned(pid: pid, comm: String(executable.split(separator: "/").last ?? ""))
        sl_install_signal_handlers(pid)
        let execError = sl_release_child(gate, execReport)
        if slaveFD >= 0 { close(slaveFD) }
        if execError != 0 {
            printError("spanlog: cannot run '\(command[0])': \(String(cString: strerror(execError)))")
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            session.finish()
            throw ExitCode(2)
        }
        if masterFD >= 0 { Self.drainTerminal(masterFD) }

        var exitStatus: Int32 = 0
        session.run {
            var status: Int32 = 0
            let waited = waitpid(pid, &status, WNOHANG)
            guard waited == pid else { return false }
            exitStatus = Self.shellStatus(status)
            return true
        }
        session.finish()
        return exitStatus
    }

    /// Reads and discards what the command writes to its terminal (spanlog shows its own view
    /// of those bytes, captured at the write), so the command never blocks on a full terminal.
    static func drainTerminal(_ fd: Int32) {
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
            }
            close(fd)
        }
    }

    /// Exit status as a shell reports it: the code, or 128 + the signal number.
    static func shellStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
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
