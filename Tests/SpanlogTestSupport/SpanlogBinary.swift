import Foundation
import Testing

/// Why the kernel tests cannot run here, or nil when they can.
package enum KernelSupport {
    package static let skipReason: String? = {
        if geteuid() != 0 { return "needs root to load BPF programs (CI runs as root)" }
        if access("/sys/kernel/btf/vmlinux", R_OK) != 0 { return "the kernel has no BTF (/sys/kernel/btf/vmlinux)" }
        if access(SpanlogBinary.url.path, X_OK) != 0 { return "the spanlog binary is not built (swift build)" }
        return nil
    }()

    package static var available: Bool { skipReason == nil }

    /// A cgroup hierarchy where the tests may create a cgroup and move a process into it: the
    /// unified (v2) one, or the v1 pids one; nil when none is writable.
    package static let writableCgroupHierarchy: String? = {
        ["/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/pids"].first {
            access("\($0)/cgroup.procs", W_OK) == 0 && access($0, W_OK) == 0
        }
    }()

    /// Whether 32-bit system calls run here: the kernel has the ia32 entry and it is not
    /// turned off on the command line.
    package static let ia32Emulation: Bool = {
        // procfs files report a size of 0: read them to their end.
        func read(_ path: String) -> String {
            let data = try? FileHandle(forReadingFrom: URL(fileURLWithPath: path)).readToEnd()
            return String(decoding: data ?? Data(), as: UTF8.self)
        }
        let symbols = read("/proc/kallsyms"), commandLine = read("/proc/cmdline")
        let off = ["ia32_emulation=0", "ia32_emulation=false", "ia32_emulation=off"]
        return symbols.contains(" ia32_sys_call\n") && !off.contains { commandLine.contains($0) }
    }()
}

/// The built `spanlog` executable, run as a user would run it.
package enum SpanlogBinary {
    package static let url = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("spanlog")

    package struct Result {
        package var status: Int32
        package var stdout: String
        package var stderr: String

        package init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }

        /// stdout parsed as JSON Lines.
        package var records: [[String: Any]] {
            stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        package var lines: [[String: Any]] { records.filter { $0["type"] as? String == "line" } }
        package var spans: [[String: Any]] { records.filter { $0["type"] as? String == "span" } }
        package var stats: [String: Any]? { records.last { $0["type"] as? String == "stats" } }
    }

    /// Options the kernel matrix adds to every capturing command, to run the same tests once
    /// per attach mode (scripts/kernel-matrix.sh sets SPANLOG_TEST_CAPTURE_OPTIONS).
    package static let captureOptions: [String] = ProcessInfo.processInfo.environment["SPANLOG_TEST_CAPTURE_OPTIONS"]
        .map { $0.split(separator: " ").map(String.init) } ?? []

    /// `arguments` with `captureOptions` after a capturing subcommand.
    package static func withCaptureOptions(_ arguments: [String]) -> [String] {
        guard let command = arguments.first, ["run", "tail", "record", "top"].contains(command) else { return arguments }
        return [command] + captureOptions + arguments.dropFirst()
    }

    /// Runs spanlog to completion; output goes through files so large outputs cannot block.
    /// Without a directory, in a scratch one of its own.
    package static func run(_ arguments: [String], in directory: URL? = nil) throws -> Result {
        let scratch = directory == nil ? try Workspace() : nil
        let directory = directory ?? scratch!.url
        let process = Process()
        process.executableURL = url
        process.arguments = withCaptureOptions(arguments)
        process.currentDirectoryURL = directory
        let stdoutURL = directory.appendingPathComponent("spanlog.stdout")
        let stderrURL = directory.appendingPathComponent("spanlog.stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: try String(contentsOf: stdoutURL, encoding: .utf8),
                      stderr: try String(contentsOf: stderrURL, encoding: .utf8))
    }
}

/// A cgroup named the way docker names a container's (`docker-<64 hex>.scope`), in a writable
/// hierarchy, removed afterwards (once its processes are gone).
package final class ContainerCgroup {
    package let id = (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 1...UInt64.max)) }.joined()
    package let path: String

    package init() throws {
        let hierarchy = try #require(KernelSupport.writableCgroupHierarchy)
        path = "\(hierarchy)/docker-\(id).scope"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { rmdir(path) }
}

/// `spanlog tail ARGUMENTS --format json`, started and past its readiness line on stderr.
package final class TailSession {
    package let process = Process()
    private let stdoutURL: URL
    /// What spanlog said it captures ("spanlog: capturing …").
    package private(set) var announcement = ""

    package init(_ arguments: [String], in workspace: Workspace) throws {
        process.executableURL = SpanlogBinary.url
        process.arguments = ["tail"] + arguments + ["--format", "json"]
        stdoutURL = workspace.url.appendingPathComponent("tail.out")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        var said = Data()
        while !String(decoding: said, as: UTF8.self).contains("capturing") {
            let chunk = stderr.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said.append(chunk)
        }
        announcement = String(decoding: said, as: UTF8.self)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// SIGINT (Ctrl-C) or SIGTERM: spanlog drains, reports and exits.
    package func stop(with signal: Int32 = SIGINT) throws -> SpanlogBinary.Result {
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return SpanlogBinary.Result(status: process.terminationStatus,
                                    stdout: try String(contentsOf: stdoutURL, encoding: .utf8), stderr: "")
    }
}

/// A scratch directory with the test workloads copied in, removed afterwards.
package final class Workspace {
    package let url: URL

    package init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("spanlog-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    package func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Copies a workload from the test bundle; compiles it first if it is C.
    package func workload(_ file: String) throws -> String {
        let source = try #require(Bundle.module.url(forResource: file, withExtension: nil, subdirectory: "Workloads"))
        let copy = url.appendingPathComponent(file)
        try? FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(at: source, to: copy)
        guard file.hasSuffix(".c") else { return copy.path }
        let binary = url.appendingPathComponent(String(file.dropLast(2))).path
        let compiler = try runTool("/usr/bin/gcc", ["-O2", "-o", binary, copy.path])
        #expect(compiler == 0, "compiling \(file) failed")
        return binary
    }

    package func write(_ name: String, _ text: String) throws {
        try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    @discardableResult
    package func runTool(_ path: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// A helper process whose stdout lines the test reads as they come (readiness signals).
package final class Background {
    package let process = Process()
    private let output = Pipe()
    private let input = Pipe()
    private var buffered = Data()

    package init(_ executable: String, _ arguments: [String], stdoutIsSignal: Bool = true, directory: URL? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if stdoutIsSignal { process.standardOutput = output } else { process.standardError = output }
        process.standardInput = input
        try process.run()
    }

    /// Blocks until the process prints a line containing `text`; returns that line.
    package func waitForLine(containing text: String) -> String? {
        while let line = nextLine() {
            if line.contains(text) { return line }
        }
        return nil
    }

    /// Blocks until the process prints a whole line; nil when its output ends.
    package func nextLine() -> String? {
        while true {
            if let range = buffered.firstRange(of: Data("\n".utf8)) {
                let line = String(decoding: buffered[..<range.lowerBound], as: UTF8.self)
                buffered.removeSubrange(..<range.upperBound)
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffered.append(chunk)
        }
    }

    package func send(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    package func interrupt() { process.interrupt() }

    /// SIGKILL: children of the test runner inherit its blocked signal mask, so SIGTERM
    /// may never arrive.
    package func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    package func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Where a skip is not allowed: CI (`CI=true`) and runs that ask for it
/// (`SPANLOG_REQUIRE_KERNEL=1`, which the kernel matrix sets in its guests). There a test that
/// would skip for want of root, BTF or a tool fails the run with the reason instead, as
/// cilium/ebpf fails a skip where the feature must exist; a developer without root still gets
/// skips with reasons.
package enum SkipPolicy {
    package static let skipsFail: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return environment["CI"] == "true" || environment["SPANLOG_REQUIRE_KERNEL"] == "1"
    }()

    /// Records an issue for each reason given, when skips must fail.
    package static func require(_ reasons: [(what: String, reason: String?)], sourceLocation: SourceLocation = #_sourceLocation) {
        guard skipsFail else { return }
        for (what, reason) in reasons {
            if let reason {
                Issue.record("\(what) would be skipped where they must run (CI=true or SPANLOG_REQUIRE_KERNEL=1): \(reason)",
                             sourceLocation: sourceLocation)
            }
        }
    }
}
