import SpanlogTestSupport
import Foundation
@testable import SpanlogCollector
import Testing

/// The collector reaches the BPF object's maps, programs and global data through a skeleton
/// generated from it and checked in (Sources/CSpanlogBPF/include/spanlog.skel.h). This test
/// regenerates it from the two builds this spanlog embeds and fails while the checked-in one
/// differs, so a new map or global cannot ship with a skeleton that does not name it.
struct BPFSkeletonTests {
    static let bpftool = ["/usr/sbin/bpftool", "/usr/bin/bpftool"].first(where: FileManager.default.isExecutableFile)

    @Test(.enabled(if: bpftool != nil, "bpftool is not installed (scripts/setup.sh installs it)"))
    func theCheckedInSkeletonDescribesBothEmbeddedBuilds() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spanlog-skeleton-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var objects: [String] = []
        for (name, base64) in BPFObjectLimitTests.builds {
            let object = directory.appendingPathComponent("\(name).o")
            try #require(Data(base64Encoded: base64)).write(to: object)
            objects.append(object.path)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Repository.root.appendingPathComponent("scripts/gen-skeleton.sh").path, "--check"] + objects
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let diagnostics = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(diagnostics)")
    }
}
