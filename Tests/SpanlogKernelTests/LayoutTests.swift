import SpanlogTestSupport
import CSpanlogBPF
import Foundation
import Testing

/// The event layout is shared with the BPF program through bpf/spanlog.h. The BPF compiler and
/// the host compiler (whose layout Swift imports) must agree on every struct in it, field by
/// field; and the records' sizes are pinned so a change to the header is noticed.
@Suite struct EventLayoutTests {
    static let header = Repository.root.appendingPathComponent("bpf/spanlog.h")

    /// Every struct in bpf/spanlog.h, as Swift sees it. A struct added to the header without a
    /// row here fails `everyStructInTheHeaderIsCheckedFromSwift`.
    static let swiftLayouts: [String: (size: Int, alignment: Int)] = [
        "sl_event_header": (MemoryLayout<sl_event_header>.size, MemoryLayout<sl_event_header>.alignment),
        "sl_write_event": (MemoryLayout<sl_write_event>.size, MemoryLayout<sl_write_event>.alignment),
        "sl_marker_event": (MemoryLayout<sl_marker_event>.size, MemoryLayout<sl_marker_event>.alignment),
        "sl_process_event": (MemoryLayout<sl_process_event>.size, MemoryLayout<sl_process_event>.alignment),
        "sl_path_event": (MemoryLayout<sl_path_event>.size, MemoryLayout<sl_path_event>.alignment),
        "sl_cgroups_event": (MemoryLayout<sl_cgroups_event>.size, MemoryLayout<sl_cgroups_event>.alignment),
        "sl_file_key": (MemoryLayout<sl_file_key>.size, MemoryLayout<sl_file_key>.alignment),
        "sl_origin": (MemoryLayout<sl_origin>.size, MemoryLayout<sl_origin>.alignment),
        "sl_thread_io": (MemoryLayout<sl_thread_io>.size, MemoryLayout<sl_thread_io>.alignment),
        "sl_thread_io_event": (MemoryLayout<sl_thread_io_event>.size, MemoryLayout<sl_thread_io_event>.alignment),
        "sl_skipped": (MemoryLayout<sl_skipped>.size, MemoryLayout<sl_skipped>.alignment),
        "sl_file_verdict": (MemoryLayout<sl_file_verdict>.size, MemoryLayout<sl_file_verdict>.alignment),
        "sl_config": (MemoryLayout<sl_config>.size, MemoryLayout<sl_config>.alignment),
    ]

    @Test func eventStructsHaveTheirDocumentedSizes() {
        #expect(MemoryLayout<sl_event_header>.size == 32)
        #expect(MemoryLayout<sl_write_event>.size == 72)
        #expect(MemoryLayout<sl_marker_event>.size == 40)
        #expect(MemoryLayout<sl_process_event>.size == 64)
        #expect(MemoryLayout<sl_config>.size == 32 + 72)
        #expect(MemoryLayout<sl_path_event>.size == 32 + 24 + 32 + 32 * 256)
        #expect(MemoryLayout<sl_cgroups_event>.size == 32 + 2 * 8 + 2 * 8 * 128)
        #expect(MemoryLayout<sl_thread_io_event>.size == 32 + 32)
    }

    static func structNames() throws -> [String] {
        let text = try String(contentsOf: header, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("struct sl_"), line.hasSuffix(" {") else { return nil }
            return String(line.dropFirst("struct ".count).dropLast(2))
        }
    }

    struct RecordLayout: Equatable, CustomStringConvertible {
        var sizeBits = 0, alignmentBits = 0
        var fieldOffsetBits: [Int] = []
        var description: String { "size \(sizeBits / 8), align \(alignmentBits / 8), field bit offsets \(fieldOffsetBits)" }
    }

    /// The compiler's own record layouts for `target` (clang -fdump-record-layouts-simple).
    static func layouts(target: String, of names: [String], clang: String) throws -> [String: RecordLayout] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spanlog-layout-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("layout.c")
        let uses = names.map { "int size_\($0) = sizeof(struct \($0));" }
        try (["#include \"spanlog.h\""] + uses).joined(separator: "\n").write(to: source, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: clang)
        process.arguments = ["-target", target, "-I", header.deletingLastPathComponent().path, "-I/usr/include/x86_64-linux-gnu",
                             "-fsyntax-only", "-Xclang", "-fdump-record-layouts-simple", source.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "clang -target \(target) failed on bpf/spanlog.h")
        var layouts: [String: RecordLayout] = [:]
        var current: String?
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            func number(after prefix: String) -> Int? { line.hasPrefix(prefix) ? Int(line.dropFirst(prefix.count)) : nil }
            if line.hasPrefix("Type: struct ") {
                current = String(line.dropFirst("Type: struct ".count))
                layouts[current!] = RecordLayout()
            } else if let name = current {
                if let size = number(after: "Size:") { layouts[name]?.sizeBits = size }
                if let alignment = number(after: "Alignment:") { layouts[name]?.alignmentBits = alignment }
                if line.hasPrefix("FieldOffsets: [") {
                    layouts[name]?.fieldOffsetBits = line.dropFirst("FieldOffsets: [".count).prefix { $0 != "]" }
                        .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                }
            }
        }
        return layouts
    }

    static let clang = ["/opt/swift/usr/bin/clang", "/usr/bin/clang"].first(where: FileManager.default.isExecutableFile)

    @Test(.enabled(if: clang != nil, "no clang with the BPF backend"))
    func theBPFProgramAndSwiftAgreeOnEveryStructFieldByField() throws {
        let names = try Self.structNames()
        #expect(names.count >= 13, "structs found in bpf/spanlog.h: \(names)")
        let bpf = try Self.layouts(target: "bpf", of: names, clang: Self.clang!)
        let host = try Self.layouts(target: "x86_64-linux-gnu", of: names, clang: Self.clang!)
        for name in names {
            let program = try #require(bpf[name], "clang dumped no BPF layout of \(name)")
            #expect(!program.fieldOffsetBits.isEmpty && program.sizeBits > 0, "\(name): \(program)")
            #expect(program == host[name], "\(name): BPF \(program), host \(host[name]?.description ?? "none")")
            if let swift = Self.swiftLayouts[name] {
                #expect(swift.size * 8 == program.sizeBits && swift.alignment * 8 == program.alignmentBits,
                        "\(name): Swift size \(swift.size) align \(swift.alignment), BPF \(program)")
            }
        }
    }

    @Test func everyStructInTheHeaderIsCheckedFromSwift() throws {
        #expect(Set(try Self.structNames()) == Set(Self.swiftLayouts.keys))
    }
}
