import SpanlogTestSupport
import Foundation
import Testing

/// How the program is loaded on this kernel, and what spanlog says about it. The kernel
/// matrix (scripts/kernel-matrix.sh) runs these on every kernel it boots, once per attach mode.
@Suite(.serialized, .enabled(if: KernelSupport.available, Comment(rawValue: KernelSupport.skipReason ?? "")))
struct KernelLoadTests {
    static let markers = "echo '>:t:load:' > /dev/null; echo inside; echo '<:t:load:' > /dev/null"

    /// The attach mode asked for through the matrix's options, if any.
    static var askedAttach: String? {
        let options = SpanlogBinary.captureOptions
        guard let index = options.firstIndex(of: "--attach"), index + 1 < options.count else { return nil }
        return options[index + 1] == "auto" ? nil : options[index + 1]
    }

    @Test func theStatsRecordSaysHowTheProgramIsAttachedAndBuilt() throws {
        let workspace = try Workspace()
        let result = try SpanlogBinary.run(["run", "--format", "json", "--", "/bin/sh", "-c", Self.markers],
                                           in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.map { $0["text"] as? String } == ["inside"])
        let collector = try #require(result.stats?["collector"] as? [String: String], "no collector in \(result.stdout)")
        let attach = try #require(collector["attach"])
        #expect(["fexit", "tracepoint"].contains(attach))
        if let asked = Self.askedAttach { #expect(attach == asked) }
        #expect(["kfuncs", "probe-reads", "bounded-loops"].contains(collector["build"] ?? ""))
        #expect(["direct", "helper"].contains(collector["fd_table"] ?? ""))
    }

    /// `--attach fexit` either runs on fexit or says, in one line, why this kernel will not.
    @Test func askingForFexitRunsOnItOrSaysWhyNot() throws {
        let workspace = try Workspace()
        let result = try SpanlogBinary.run(["run", "--attach", "fexit", "--format", "json", "--", "/bin/sh", "-c",
                                            Self.markers], in: workspace.url)
        if result.status == 0 {
            #expect((result.stats?["collector"] as? [String: String])?["attach"] == "fexit")
            #expect(result.lines.map { $0["text"] as? String } == ["inside"])
        } else {
            #expect(result.status == 2)
            #expect(result.stderr.hasPrefix("spanlog run: --attach fexit is not possible here: "), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }

    /// The builds older kernels get, on this one: the same records. Without kfuncs a kernel
    /// gets probe-reads, or bounded-loops where it lacks that build's helpers too (5.10).
    @Test(arguments: ["--bpf-without-kfuncs", "--bpf-bounded-loops"])
    func theBuildsForOlderKernelsCaptureTheSame(flag: String) throws {
        let workspace = try Workspace()
        let script = "\(Self.markers); printf 'a\\nb\\n' | cat; echo to-log >> \(workspace.path("app.log"))"
        let plain = try SpanlogBinary.run(["run", "--format", "json", "--", "/bin/sh", "-c", script], in: workspace.url)
        let withoutKfuncs = try SpanlogBinary.run(["run", flag, "--format", "json", "--", "/bin/sh",
                                                   "-c", script], in: workspace.url)
        #expect(withoutKfuncs.status == 0, "\(withoutKfuncs.stderr)")
        let build = (withoutKfuncs.stats?["collector"] as? [String: String])?["build"]
        #expect(flag == "--bpf-bounded-loops" ? build == "bounded-loops" : ["probe-reads", "bounded-loops"].contains(build))
        func shape(_ result: SpanlogBinary.Result) -> [String] {
            result.lines.map { "\($0["comm"] ?? "") \($0["stream"] ?? "") \($0["text"] ?? "") \($0["path"] ?? "")" }
        }
        #expect(shape(withoutKfuncs) == shape(plain))
        #expect(shape(plain).count == 4)
    }

    /// The tracepoint is always possible: `--attach tracepoint` runs on it.
    @Test func askingForTheTracepointRunsOnIt() throws {
        let workspace = try Workspace()
        let result = try SpanlogBinary.run(["run", "--attach", "tracepoint", "--format", "json", "--", "/bin/sh", "-c",
                                            Self.markers], in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect((result.stats?["collector"] as? [String: String])?["attach"] == "tracepoint")
        #expect(result.lines.map { $0["text"] as? String } == ["inside"])
    }
}
