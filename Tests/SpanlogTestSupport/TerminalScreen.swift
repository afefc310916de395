#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A real terminal for full-screen tests: a tmux session of its own (its own server socket), the
/// command running in it, keys sent with `send-keys` and the screen read with `capture-pane`.
/// After the command, the shell prints `EXIT=<status>` and waits, so that the test can read what
/// the terminal shows once the command has given it back.
package final class TerminalScreen {
    package static let skipReason: String? = {
        if TerminalScreen.tmuxPath == nil { return "tmux is not installed (scripts/setup.sh installs it)" }
        if access(SpanlogBinary.url.path, X_OK) != 0 { return "the spanlog binary is not built (swift build)" }
        return nil
    }()

    static let tmuxPath: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux"].first { access($0, X_OK) == 0 }

    private let socket = "spanlog-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    private let name = "top"

    /// Starts `spanlog ARGUMENTS` in a `columns`×`rows` terminal, in `directory`.
    package init(spanlog arguments: [String], rows: Int = 50, columns: Int = 200, environment: [String: String] = [:],
                 directory: URL? = nil) throws {
        var variables = ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
        variables.merge(environment) { $1 }
        let assignments = variables.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote($0.value))" }
        let command = ([SpanlogBinary.url.path] + arguments).map(Self.quote).joined(separator: " ")
        let cd = directory.map { "cd \(Self.quote($0.path)) && " } ?? ""
        // The tmux server passes on the environment of the test runner, which may say NO_COLOR.
        let unset = environment["NO_COLOR"] == nil ? "-u NO_COLOR " : ""
        let script = "\(cd)env \(unset)\(assignments.joined(separator: " ")) \(command); echo EXIT=$?; exec sleep 600"
        try tmux(["new-session", "-d", "-s", name, "-x", String(columns), "-y", String(rows), "/bin/sh", "-c", script])
    }

    /// The server goes, and its socket with it; the command sees its terminal hang up.
    deinit {
        try? tmux(["kill-server"])
        unlink("/tmp/tmux-\(getuid())/\(socket)")
    }

    /// What the terminal shows, one string per row (trailing spaces dropped).
    package func screen(withEscapes: Bool = false) -> String {
        (try? tmux(["capture-pane", "-p"] + (withEscapes ? ["-e"] : []) + ["-t", name])) ?? ""
    }

    /// Sends keys in tmux's names (`Enter`, `Escape`, `Down`, `C-c`) or literal text with `literal`.
    package func send(_ keys: String..., literal: Bool = false) throws {
        try tmux(["send-keys", "-t", name] + (literal ? ["-l"] : []) + keys)
    }

    /// Closes the terminal under the command, as a closed window or a lost ssh connection does.
    package func hangUp() throws {
        try tmux(["kill-server"])
    }

    package func resize(rows: Int, columns: Int) throws {
        try tmux(["resize-window", "-t", name, "-x", String(columns), "-y", String(rows)])
    }

    /// Waits until the screen satisfies `condition` (the screen is the signal), for at most
    /// `seconds`; returns the last screen either way, for the test's message.
    @discardableResult
    package func waitFor(seconds: Double = 20, _ condition: (String) -> Bool) -> (met: Bool, screen: String) {
        let deadline = Date().addingTimeInterval(seconds)
        var shown = screen()
        while !condition(shown) {
            if Date() > deadline { return (false, shown) }
            usleep(20_000)
            shown = screen()
        }
        return (true, shown)
    }

    package func waitFor(_ text: String, seconds: Double = 20) -> (met: Bool, screen: String) {
        waitFor(seconds: seconds) { $0.contains(text) }
    }

    /// The row whose first word is `name` (after tree characters), split into its columns.
    package static func row(_ name: String, in screen: String) -> [String]? {
        for line in screen.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard let first = words.first else { continue }
            let bare = first.drop { "├└│─|`- ".contains($0) }
            if bare == name { return [String(bare)] + words.dropFirst() }
        }
        return nil
    }

    /// The exit status the shell printed after the command, once it has.
    package func exitStatus(seconds: Double = 30) -> Int32? {
        let (met, shown) = waitFor(seconds: seconds) { $0.contains("EXIT=") }
        guard met, let range = shown.range(of: "EXIT=") else { return nil }
        return Int32(shown[range.upperBound...].prefix { $0.isNumber })
    }

    /// Runs tmux and waits for it. Spawned and reaped here, not through Foundation's Process,
    /// which would wait for the server `new-session` forks to close what it inherited.
    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket)-\(UUID().uuidString).out").path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Test runners block or ignore SIGTERM and SIGHUP, and what they start inherits that:
        // tmux, and the command in it, get the defaults back, so that a hang-up is a hang-up.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for signal in [SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        // Nothing else of the test runner's either: the tmux server outlives this call, and
        // would keep the descriptors Foundation's Process watches for other tests' commands. A
        // shell closes them in the child (listing them here would race the runner's threads).
        let closeInherited = "for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ \"$fd\" -gt 2 ] && eval \"exec $fd>&-\"; done 2>/dev/null; exec \"$@\""
        let tmux = [Self.tmuxPath ?? "/usr/bin/tmux", "-L", socket, "-f", "/dev/null"] + arguments
        let argv = (["/bin/bash", "-c", closeInherited, "bash"] + tmux).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, argv[0]!, &actions, &attributes, argv, environ)
        guard status == 0 else { throw TerminalScreenError.cannotStartTmux(String(cString: strerror(status))) }
        var exitStatus: Int32 = 0
        while waitpid(pid, &exitStatus, 0) < 0 && errno == EINTR {}
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    private static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

package enum TerminalScreenError: Error {
    case cannotStartTmux(String)
}
