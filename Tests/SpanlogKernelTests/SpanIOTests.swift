import SpanlogTestSupport
import Foundation
import Testing

/// Span I/O: the lines and bytes a span wrote per stream, and with `--span-io` the bytes and
/// system calls its thread made on any descriptor between enter and exit.
@Suite(.serialized, .enabled(if: KernelSupport.available, Comment(rawValue: KernelSupport.skipReason ?? "")))
struct SpanIOTests {
    @Test func aSpansReadsAndWritesAreCountedExactly() throws {
        let workspace = try Workspace()
        try workspace.write("input.dat", String(repeating: "x", count: 10_000))
        let program = """
            import os
            marker = os.open("/dev/null", os.O_WRONLY)
            data = os.open("input.dat", os.O_RDONLY)
            os.write(marker, b">:t:io::\\n")
            os.write(1, b"hello\\n")
            os.write(2, b"oops!\\n")
            assert len(os.read(data, 20000)) == 10000
            os.write(marker, b"<:t:io::\\n")
            """
        let result = try SpanlogBinary.run(["run", "--span-io", "--no-pty", "--format", "json", "--", "python3", "-c", program],
                                           in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let span = try #require(result.spans.first { $0["tags"] as? [String] == ["io"] })
        let io = try #require(span["io"] as? [String: Any])
        #expect(io["stdout_lines"] as? Int == 1)
        #expect(io["stdout_bytes"] as? Int == 5)
        #expect(io["stderr_lines"] as? Int == 1)
        #expect(io["stderr_bytes"] as? Int == 5)
        #expect(io["read_bytes"] as? Int == 10_000)
        #expect(io["reads"] as? Int == 1)
        // hello\n, oops!\n and the exit marker (the enter marker is before the span began).
        #expect(io["written_bytes"] as? Int == 6 + 6 + 9)
        #expect(io["writes"] as? Int == 3)

        // The text view shows them on the span line and in the summary table.
        let text = try SpanlogBinary.run(["run", "--span-io", "--no-pty", "--summary", "--no-default-rules", "--color", "never",
                                          "--", "python3", "-c", program], in: workspace.url)
        let spanLine = try #require(text.stdout.split(separator: "\n").first { $0.contains("io#") && $0.contains(" ok ") },
                                    "\(text.stdout)")
        #expect(spanLine.contains("read=9.8KiB/1 written=21B/3"), "\(spanLine)")
        let heading = try #require(text.stdout.split(separator: "\n").first { $0.hasPrefix("TAGS") }, "\(text.stdout)")
        #expect(heading.hasSuffix("READ  WRITTEN"))
        let row = try #require(text.stdout.split(separator: "\n").first { $0.hasPrefix("io ") })
        #expect(row.hasSuffix("9.8KiB      21B"), "\(row)")

        // Without --span-io the per-stream figures remain and the system-call ones are absent.
        let plain = try SpanlogBinary.run(["run", "--no-pty", "--format", "json", "--", "python3", "-c", program],
                                          in: workspace.url)
        let plainIO = try #require(plain.spans.first?["io"] as? [String: Any])
        #expect(plainIO["stdout_lines"] as? Int == 1)
        #expect(plainIO["read_bytes"] == nil)
    }
}
