// libFuzzer entry point for spanlog's input parsers. Built by scripts/fuzz.sh together with
// SpanlogCore's sources (one module, so internal types are reachable) and run by the test suite
// for a bounded time. The first byte picks the target; the rest is its input.
//
//   0: both marker parsers on one line (simple or JSON, as the first byte of the line says)
//   1: the marker assembler: the input cut into writes at the positions the next bytes name
//   2: the capture decoder, fed in chunks of a size the next byte names
//   3: the engine: the input replayed as a capture (everything from decoded events to records)

@_cdecl("LLVMFuzzerTestOneInput")
public func spanlogFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 4 {
    case 0:
        fuzzMarkerParsers(input)
    case 1:
        fuzzMarkerAssembler(input)
    case 2:
        _ = decodeCapture(input, chunk: Int(input.first ?? 1) + 1)
    default:
        fuzzEngine(input)
    }
    return 0
}

private func fuzzMarkerParsers(_ input: [UInt8]) {
    for terminated in [false, true] {
        switch MarkerParser.parseLine(input[...], terminated: terminated) {
        case .marker(let marker, _):
            // A marker that parsed renders to its simple form, which parses to the same marker
            // (one empty tag, and newlines from JSON escapes, have no simple form).
            let rendered = Array(marker.simpleForm.utf8)
            guard marker.tags != [""], !rendered.contains(0x0A), !rendered.contains(0x0D) else { break }
            guard case .marker(let again, _) = MarkerParser.parseLine(rendered[...], terminated: true), again == marker else {
                fatalError("marker does not survive rendering: \(marker) as \(String(decoding: rendered, as: UTF8.self))")
            }
        case .invalid(let error):
            precondition(error.column >= 1 && error.column <= input.count + 2, "error column \(error.column) outside the line")
        case .incomplete:
            precondition(!terminated, "a terminated line cannot be incomplete")
        }
    }
}

private func fuzzMarkerAssembler(_ input: [UInt8]) {
    var assembler = MarkerAssembler()
    var outcomes = 0
    var position = 0
    var cuts = input.prefix(4).map { Int($0) }
    let body = input.dropFirst(4)
    var start = body.startIndex
    while start < body.endIndex {
        let length = max(1, cuts.isEmpty ? body.count : cuts.removeFirst())
        let end = min(body.endIndex, start + length)
        assembler.feed(tid: Int32(position % 3), bytes: body[start..<end]) { _ in outcomes += 1 }
        position += 1
        start = end
    }
    assembler.threadExited(1) { _ in outcomes += 1 }
    assembler.flushAll { _ in outcomes += 1 }
}

/// Decodes a capture in chunks; returns the events read before any damage.
func decodeCapture(_ bytes: [UInt8], chunk: Int) -> [RawEvent] {
    var decoder = CaptureDecoder()
    var events: [RawEvent] = []
    var start = 0
    while start < bytes.count {
        decoder.append(bytes[start..<min(bytes.count, start + chunk)])
        start += chunk
        do {
            while let event = try decoder.next() { events.append(event) }
        } catch {
            return events
        }
    }
    _ = try? decoder.finish()
    return events
}

private final class Discard: RecordSink {
    let json = JSONRenderer(output: MemoryOutput())
    let text = TextRenderer(output: MemoryOutput(), mode: .grouped, color: true)
    func emit(_ record: Record) {
        json.emit(record)
        text.emit(record)
    }
    func flush() {}
    func finish() {}
}

private func fuzzEngine(_ input: [UInt8]) {
    let events = decodeCapture(input, chunk: 4096)
    var configuration = EngineConfiguration(monotonicToWallOffset: 0, session: 1)
    configuration.maxOpenSpans = 8
    configuration.spanTimeout = 1_000_000
    configuration.maxLineBytes = 64
    let engine = Engine(configuration: configuration, sink: Discard())
    for event in events { engine.process(event) }
    engine.stop(at: events.last?.timestamp ?? 0)
}
