import SpanlogTestSupport
import Foundation
import Testing

/// Buffered tracer clients flush many markers in one write: all of them are read, up to 1 MiB;
/// past that the rest is counted and a warning names the writer — never a silent loss.
@Suite(.serialized, .enabled(if: KernelSupport.available, Comment(rawValue: KernelSupport.skipReason ?? "")))
struct MarkerWriteTests {
    /// A Python program writing `before` bytes of balanced markers, then `>:t:last::` with a
    /// line inside it, in one write to /dev/null each.
    func run(markerBytes: Int, options: [String] = [], in workspace: Workspace) throws -> SpanlogBinary.Result {
        try workspace.write("bulk.py", """
            import os, sys
            size = int(sys.argv[1])
            marker = b">:1:bulk::\\n<:1:bulk::\\n"
            bulk = marker * (size // len(marker))
            bulk += b"x" * (size - len(bulk) - 1) + b"\\n"
            devnull = os.open("/dev/null", os.O_WRONLY)
            os.write(devnull, bulk + b">:t:last::\\n")
            print("inside last", flush=True)
            os.write(devnull, b"<:t:last::\\n")
            """)
        return try SpanlogBinary.run(["run", "--format", "json", "--no-default-rules"] + options + ["--", "/usr/bin/python3",
                                      workspace.path("bulk.py"), String(markerBytes)], in: workspace.url)
    }

    /// Also in the bounded-loops build (5.10), where a bounded loop replaces bpf_loop.
    @Test(arguments: [[], ["--bpf-bounded-loops"]])
    func aWriteJustOverOneSlotLosesNoMarker(options: [String]) throws {
        let workspace = try Workspace()
        let result = try run(markerBytes: 16_384, options: options, in: workspace)
        #expect(result.status == 0)
        let line = try #require(result.lines.first { $0["text"] as? String == "inside last" })
        #expect((line["span"] as? [String: Any])?["tags"] as? [String] == ["last"], "the line lands in its span")
        #expect(result.stats?["truncated_writes"] as? Int == 0)
        #expect(result.stats?["markers"] as? Int == 2 * (16_384 / 22) + 2)
    }

    @Test(arguments: [[], ["--bpf-bounded-loops"]])
    func aMebibyteOfMarkersIsReadWhole(options: [String]) throws {
        let workspace = try Workspace()
        let result = try run(markerBytes: 1_048_000, options: options, in: workspace)
        #expect(result.status == 0)
        #expect(result.stats?["truncated_writes"] as? Int == 0)
        #expect(result.stats?["markers"] as? Int == 2 * (1_048_000 / 22) + 2)
        let line = try #require(result.lines.first { $0["text"] as? String == "inside last" })
        #expect((line["span"] as? [String: Any])?["tags"] as? [String] == ["last"])
    }

    @Test func pastAMebibyteTheRestIsCountedAndTheWriterNamed() throws {
        let workspace = try Workspace()
        let result = try run(markerBytes: 1_200_000, in: workspace)
        #expect(result.stats?["truncated_writes"] as? Int == 1)
        #expect((result.stats?["uncaptured_bytes"] as? Int ?? 0) > 150_000)
        let warning = try #require(result.records.first { $0["kind"] as? String == "truncated_write" })
        #expect(warning["pid"] != nil)
        #expect((warning["message"] as? String)?.contains("/dev/null") == true)
    }
}
