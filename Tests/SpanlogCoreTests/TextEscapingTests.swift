@testable import SpanlogCore
import Testing

/// A traced program must not be able to retitle, clear or split the terminal of whoever reads
/// the text view: every control byte it writes is shown escaped.
@Suite struct TextEscapingTests {
    func render(_ mode: TextRenderer.Mode, _ events: (EngineHarness) -> Void) -> String {
        let output = MemoryOutput()
        let harness = EngineHarness()
        events(harness)
        harness.stop()
        let renderer = TextRenderer(output: output, mode: mode, color: false)
        for record in harness.collector.records { renderer.emit(record) }
        renderer.finish()
        return output.text
    }

    @Test(arguments: [TextRenderer.Mode.live, .grouped])
    func controlBytesFromTracedProgramsAreShownEscaped(mode: TextRenderer.Mode) {
        let text = render(mode) { h in
            h.start(pid: 10, comm: "evil\u{1B}]0;pwned\u{07}")
            h.marker(">:t:job\u{1B}[2J:user=a\u{1B}[31mred,note=x\u{9B}y:\n", pid: 10)
            h.stdout("title \u{1B}]0;owned\u{07} clear \u{1B}[2J\u{1B}[H cr\rend\tTab\n", pid: 10)
            h.writeBytes(Array("bad \u{FF} utf8\n".utf8).map { $0 == 0xC3 ? 0xFF : $0 }, pid: 10, target: .file(device: 1, inode: 2),
                         path: "/tmp/a\nb.log")
            h.marker("<:t:job\u{1B}[2J::\n", pid: 10)
        }
        for byte: UInt8 in [0x1B, 0x07, 0x0D] { #expect(!text.utf8.contains(byte), "raw \(byte) reached the terminal") }
        #expect(!text.unicodeScalars.contains("\u{9B}"), "a C1 CSI reached the terminal")
        #expect(text.contains("title \\e]0;owned\\x07 clear \\e[2J\\e[H cr\\rend\tTab"))
        #expect(text.contains("job\\e[2J"))
        #expect(text.contains("user=a\\e[31mred"))
        #expect(text.contains("note=x\\u{9b}y"))
        #expect(text.contains("evil\\e]0;pwned\\x07"))
        #expect(text.contains("/tmp/a\\nb.log"))
        // Every record is still one line: no newline from the program split one.
        #expect(text.split(separator: "\n").allSatisfy { !$0.isEmpty })
    }
}
