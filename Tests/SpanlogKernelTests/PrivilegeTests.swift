import SpanlogTestSupport
import Foundation
import Testing

/// A user who is not root sees no more through spanlog than through strace, even with a copy of
/// the binary that carries file capabilities (what the old advice would have made).
@Suite(.serialized, .enabled(if: KernelSupport.available && FileManager.default.isExecutableFile(atPath: "/usr/sbin/setcap"),
                             Comment(rawValue: KernelSupport.skipReason ?? "setcap is not installed (libcap2-bin)")))
struct PrivilegeTests {
    /// Runs `binary ARGUMENTS` as nobody (uid 65534); returns its status and what it printed.
    func asNobody(_ binary: String, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", binary] + arguments
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = stderr
        try process.run()
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, message)
    }

    @Test func theAdviceIsSudoNotFileCapabilities() throws {
        let result = try asNobody(SpanlogBinary.url.path, ["run", "--", "true"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("run it with sudo"))
        #expect(!result.stderr.contains("setcap"))
    }

    @Test func aCapabilityEnabledCopyStillLimitsAUserToTheirOwn() throws {
        let workspace = try Workspace()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: workspace.url.path)
        let copy = workspace.path("spanlog")
        try FileManager.default.copyItem(atPath: SpanlogBinary.url.path, toPath: copy)
        #expect(try workspace.runTool("/usr/sbin/setcap", ["cap_bpf,cap_perfmon,cap_dac_read_search+ep", copy]) == 0)
        try workspace.write("secret.txt", ">:t:root-only::\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: workspace.path("secret.txt"))

        for option in [["--all"], ["--cgroup", "/sys/fs/cgroup"], ["--container", "0123456789abcdef"]] {
            let refused = try asNobody(copy, ["tail"] + option)
            #expect(refused.status == 64, "\(option)")
            #expect(refused.stderr.contains("only root may use them"), "\(refused.stderr)")
        }
        let otherUser = try asNobody(copy, ["tail", "--pid", "1"])
        #expect(otherUser.status == 64)
        #expect(otherUser.stderr.contains("belongs to another user"))

        let lint = try asNobody(copy, ["markers", "lint", workspace.path("secret.txt")])
        #expect(lint.status == 2)
        #expect(lint.stderr.contains("is not readable by you (uid 65534)"), "\(lint.stderr)")
        let replay = try asNobody(copy, ["replay", workspace.path("secret.txt")])
        #expect(replay.status == 2)
        #expect(replay.stderr.contains("is not readable by you"))
        let rules = try asNobody(copy, ["rules", "check", workspace.path("secret.txt")])
        #expect(rules.status == 1)
        #expect(rules.stderr.contains("secret.txt:1:1: error: \(workspace.path("secret.txt")) is not readable by you"), "\(rules.stderr)")
    }

    @Test func aSetuidProgramStartedByTheUserIsNotReadThroughSpanlog() throws {
        let workspace = try Workspace()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: workspace.url.path)
        let copy = workspace.path("spanlog")
        try FileManager.default.copyItem(atPath: SpanlogBinary.url.path, toPath: copy)
        #expect(try workspace.runTool("/usr/sbin/setcap", ["cap_bpf,cap_perfmon,cap_dac_read_search+ep", copy]) == 0)
        let setuidEcho = workspace.path("suid-echo")
        try FileManager.default.copyItem(atPath: "/bin/echo", toPath: setuidEcho)
        try FileManager.default.setAttributes([.posixPermissions: 0o4755], ofItemAtPath: setuidEcho)
        let job = ["run", "--format", "json", "--no-default-rules", "--", "/bin/sh", "-c", "\(setuidEcho) theirs; echo mine"]

        let asUser = try asNobody(copy, job)
        #expect(asUser.status == 0, "\(asUser.stderr)")
        #expect(asUser.stderr.contains("\"text\":\"mine\""))
        #expect(!asUser.stderr.contains("\"text\":\"theirs\""), "a root process's output, read by a user")
        // Root sees both: the filter, not the workload, made the difference.
        let asRoot = try SpanlogBinary.run(Array(job), in: workspace.url)
        #expect(asRoot.lines.contains { $0["text"] as? String == "theirs" })
    }
}
