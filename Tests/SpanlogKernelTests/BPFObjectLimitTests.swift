import SpanlogTestSupport
import Foundation
@testable import SpanlogCollector
import Testing

/// The classic verifier limits, checked on the built objects in seconds and on any kernel,
/// so a change that only a kernel without private stacks (or without a kfunc) would refuse
/// fails here before the kernel matrix runs.
struct BPFObjectLimitTests {
    static let builds: [(name: String, base64: String)] = [
        ("kfuncs", EmbeddedBPFObject.withKfuncs), ("probe-reads", EmbeddedBPFObject.withProbeReads),
        ("bounded-loops", EmbeddedBPFObject.withBoundedLoops),
    ]

    /// BPF_FUNC_task_storage_get, the first helper Linux 5.10 does not have.
    static let firstHelperAfter510 = 156

    static func analysis(_ base64: String) throws -> BPFObjectAnalysis {
        try BPFObjectAnalysis(elf: try #require(Data(base64Encoded: base64)))
    }

    @Test(arguments: builds.map(\.name))
    func everyCallChainFitsIn512BytesOfStack(build: String) throws {
        let analysis = try Self.analysis(Self.builds.first { $0.name == build }!.base64)
        #expect(analysis.programs.count >= 5, "programs found: \(analysis.programs.map(\.name))")
        for program in analysis.programs {
            let deepest = analysis.deepestChain(from: program)
            #expect(deepest.bytes <= 512, "\(build): \(deepest.chain.joined(separator: " → ")) uses \(deepest.bytes) bytes of stack")
        }
    }

    /// The build for older kernels resolves nothing against the kernel; the other one only what
    /// the loader checks for before it picks that build.
    @Test func everyExternHasAFallback() throws {
        #expect(try Self.analysis(EmbeddedBPFObject.withProbeReads).externs == [])
        #expect(try Self.analysis(EmbeddedBPFObject.withBoundedLoops).externs == [])
        let externs = try Self.analysis(EmbeddedBPFObject.withKfuncs).externs
        #expect(!externs.isEmpty, "the kfuncs build should use bpf_rdonly_cast")
        #expect(Set(externs).isSubset(of: ProgramBuild.kfuncsChecked), "\(externs)")
    }

    /// The build 5.10 gets uses nothing 5.10 lacks: no helper numbered after its last, no
    /// atomic but the plain add, no callback, no global function (docs/collector.md, "Kernels").
    @Test func theBoundedLoopsBuildUsesNothingLinux510Lacks() throws {
        let analysis = try Self.analysis(EmbeddedBPFObject.withBoundedLoops)
        let newer = analysis.helpers.filter { $0 >= Self.firstHelperAfter510 }.sorted()
        #expect(newer.isEmpty, "helpers newer than 5.10: \(newer)")
        #expect(analysis.atomicOperations.subtracting([0]).isEmpty, "atomics newer than 5.10: \(analysis.atomicOperations.sorted())")
        #expect(analysis.callbackReferences == 0)
        #expect(analysis.globalFunctions.isEmpty, "global functions: \(analysis.globalFunctions)")
    }

    /// Every helper newer than 5.10 that the other builds call is one the loader probes for
    /// before it picks them (ProgramBuild.newerHelpers).
    @Test(arguments: ["kfuncs", "probe-reads"])
    func everyNewerHelperIsProbedFor(build: String) throws {
        let analysis = try Self.analysis(Self.builds.first { $0.name == build }!.base64)
        let newer = analysis.helpers.filter { $0 >= Self.firstHelperAfter510 }
        let probed = Set(ProgramBuild.newerHelpers.map { Int($0.number) })
        #expect(newer.isSubset(of: probed), "\(build): helpers not probed for: \(newer.subtracting(probed).sorted())")
        #expect(!newer.isEmpty, "\(build) should call bpf_loop")
    }

    /// The analysis itself: two frames of 320 bytes, each within clang's own per-function
    /// limit, are seen as a 640-byte chain (the check could not pass a program over the limit).
    @Test func theAnalysisSeesACallChainOverTheLimit() throws {
        let source = """
            #include <linux/bpf.h>
            #include <bpf/bpf_helpers.h>
            __noinline int deep(int x) { volatile char buffer[320]; buffer[x & 255] = 1; return buffer[(x + 1) & 255]; }
            SEC("tp_btf/sys_exit") int entry(void *context)
            {
                volatile char buffer[320];
                buffer[((long)context) & 255] = 2;
                return deep(buffer[3]);
            }
            char LICENSE[] SEC("license") = "GPL";
            """
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spanlog-bpf-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try source.write(to: directory.appendingPathComponent("deep.bpf.c"), atomically: true, encoding: .utf8)
        guard let clang = ["/opt/swift/usr/bin/clang", "/usr/bin/clang"].first(where: FileManager.default.isExecutableFile) else {
            Issue.record("no clang with the BPF backend to compile the probe program")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: clang)
        process.arguments = ["-target", "bpf", "-O2", "-g", "-I/usr/include/x86_64-linux-gnu", "-c",
                             directory.appendingPathComponent("deep.bpf.c").path, "-o", directory.appendingPathComponent("deep.o").path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let analysis = try BPFObjectAnalysis(elf: try Data(contentsOf: directory.appendingPathComponent("deep.o")))
        let entry = try #require(analysis.programs.first { $0.name == "entry" })
        let deepest = analysis.deepestChain(from: entry)
        #expect(deepest.chain == ["entry", "deep"])
        #expect(deepest.bytes > 512 && deepest.bytes <= 704, "\(deepest.bytes)")
    }

    /// The analysis sees what 5.10 lacks: a bpf_loop call with its callback, a global function
    /// and an or-atomic, as clang compiles them.
    @Test func theAnalysisSeesWhatLinux510Lacks() throws {
        let source = """
            #include <linux/bpf.h>
            #include <bpf/bpf_helpers.h>
            unsigned long long bits;
            static int step(__u32 i, void *context) { return 0; }
            __noinline int global(int x) { __sync_fetch_and_or(&bits, x); return x; }
            SEC("tp_btf/sys_exit") int entry(void *context)
            {
                bpf_loop(4, step, 0, 0);
                return global((long)context & 7);
            }
            char LICENSE[] SEC("license") = "GPL";
            """
        let analysis = try Self.compile(source, name: "newer")
        #expect(analysis.helpers.contains(181))
        #expect(analysis.callbackReferences == 1)
        #expect(analysis.globalFunctions == ["global"])
        #expect(!analysis.atomicOperations.subtracting([0]).isEmpty)
    }

    static func compile(_ source: String, name: String) throws -> BPFObjectAnalysis {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spanlog-bpf-\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try source.write(to: directory.appendingPathComponent("\(name).bpf.c"), atomically: true, encoding: .utf8)
        let clang = try #require(["/opt/swift/usr/bin/clang", "/usr/bin/clang"].first(where: FileManager.default.isExecutableFile),
                                 "no clang with the BPF backend to compile the probe program")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: clang)
        process.arguments = ["-target", "bpf", "-O2", "-g", "-I/usr/include/x86_64-linux-gnu", "-c",
                             directory.appendingPathComponent("\(name).bpf.c").path, "-o", directory.appendingPathComponent("\(name).o").path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        return try BPFObjectAnalysis(elf: try Data(contentsOf: directory.appendingPathComponent("\(name).o")))
    }
}
