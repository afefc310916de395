/// `DIR:ID:TAGS:ARGS:` — one pass over the line, remembering escapes.
struct SimpleMarkerParser {
    let line: ArraySlice<UInt8>
    let base: Int

    init(line: ArraySlice<UInt8>) {
        self.line = line
        self.base = line.startIndex
    }

    private func column(_ index: Int) -> Int { index - base + 1 }
    private func fail(_ message: String, at index: Int) -> MarkerParseResult {
        .invalid(MarkerError(message, column: column(index)))
    }

    mutating func parse() -> MarkerParseResult {
        let start = line.startIndex, end = line.endIndex
        guard start < end else { return fail("empty marker", at: start) }
        guard let direction = Marker.Direction(rawValue: line[start]) else {
            return fail("a marker starts with '>' (enter), '<' (exit) or '=' (switch)", at: start)
        }
        guard start + 1 < end else { return .incomplete }
        guard line[start + 1] == MarkerParser.colon else {
            return fail("expected ':' after the direction", at: start + 1)
        }

        // ID: up to the next ':'.
        let idStart = start + 2
        var idEnd = idStart
        while idEnd < end, line[idEnd] != MarkerParser.colon { idEnd += 1 }
        let idResult = Self.parseID(line[idStart..<idEnd], complete: idEnd < end)
        let id: Marker.ID
        switch idResult {
        case .success(let parsed?): id = parsed
        case .success(nil): return .incomplete
        case .failure(let error): return fail(error.message, at: idStart + error.offset)
        }
        if id == .none, direction != .switchTo {
            return fail("span id 'none' is only for switch markers (=:none:::)", at: idStart)
        }

        // TAGS: up to the next unescaped ':'. One scan finds the dots and the end; each tag is
        // then made from the line's bytes (copied byte by byte only when it holds an escape).
        var tags: [String] = []
        var index = idEnd + 1
        var tagStart = index
        var escaped = false
        var tagsClosed = false
        while index < end {
            let byte = line[index]
            switch byte {
            case MarkerParser.backslash:
                guard index + 1 < end else { return .incomplete }
                escaped = true
                index += 2
                continue
            case MarkerParser.dot:
                tags.append(Self.text(line[tagStart..<index], unescaping: escaped))
                tagStart = index + 1
                escaped = false
            case MarkerParser.colon:
                tagsClosed = true
            case MarkerParser.greater, MarkerParser.less, MarkerParser.equals:
                return fail("unescaped '\(Character(Unicode.Scalar(byte)))' in tags (escape it with '\\')", at: index)
            default:
                break
            }
            if tagsClosed { break }
            index += 1
        }
        guard tagsClosed else { return .incomplete }
        // "a::" has one empty tag only if something was written; ">:1:::" has none.
        let lastTagIsEmpty = tagStart == index
        if id == .none, !(tags.isEmpty && lastTagIsEmpty) {
            return fail("a switch to none names no tags (=:none:::)", at: idEnd + 1)
        }
        if !(tags.isEmpty && lastTagIsEmpty) { tags.append(Self.text(line[tagStart..<index], unescaping: escaped)) }
        let tagsColon = index

        // ARGS: either nothing ("::"), or up to the last unescaped ':' of the line.
        let argsStart = tagsColon + 1
        guard argsStart < end else { return .incomplete }
        if line[argsStart] == MarkerParser.colon {
            let marker = Marker(direction: direction, id: id, tags: tags)
            return .marker(marker, trailing: line[(argsStart + 1)...])
        }
        var lastColon: Int?
        index = argsStart
        while index < end {
            if line[index] == MarkerParser.backslash { index += 2; continue }
            if line[index] == MarkerParser.colon { lastColon = index }
            index += 1
        }
        guard let argsEnd = lastColon else { return .incomplete }
        switch parseArgs(from: argsStart, to: argsEnd) {
        case .success(let args):
            let marker = Marker(direction: direction, id: id, tags: tags, args: args)
            return .marker(marker, trailing: line[(argsEnd + 1)...])
        case .failure(let error):
            return .invalid(error)
        }
    }

    struct IDError: Error {
        var message: String
        var offset: Int
    }

    /// Returns nil when `complete` is false and the bytes so far are a valid prefix of an id.
    static func parseID(_ bytes: ArraySlice<UInt8>, complete: Bool) -> Result<Marker.ID?, IDError> {
        let text = bytes  // indices are the line's: offsets below are taken from startIndex
        let first = text.first, second = text.dropFirst().first
        // The named ids, tested byte by byte: this runs for every marker.
        switch text.count {
        case 0: return .success(complete ? .global : nil)
        case 1 where first == 0x67: return .success(complete ? .global : nil)             // g
        case 1 where first == 0x74: return .success(complete ? .thread : nil)             // t
        case 1 where first == 0x70: return .success(complete ? .process : nil)            // p
        case 2 where first == 0x70 && second == 0x70: return .success(complete ? .parent : nil)  // pp
        case 4 where text.elementsEqual([0x6E, 0x6F, 0x6E, 0x65]): return .success(complete ? Marker.ID.none : nil)  // none
        case 1...3 where !complete && [0x6E, 0x6F, 0x6E, 0x65].starts(with: text): return .success(nil)  // "none" so far
        default: break
        }
        let negative = text[text.startIndex] == 0x2D
        let digits = negative ? text.dropFirst() : text[...]
        if digits.isEmpty {
            return complete ? .failure(IDError(message: "span id '-' has no digits", offset: 1)) : .success(nil)
        }
        let limit: UInt64 = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        var magnitude: UInt64 = 0
        for (offset, byte) in zip(digits.indices, digits) {
            guard byte >= 0x30, byte <= 0x39 else {
                let shown = String(decoding: text, as: UTF8.self)
                return .failure(IDError(
                    message: "invalid span id '\(shown)': use a decimal number, or t, p, pp, g or nothing (none in switch markers)",
                    offset: offset - text.startIndex))
            }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - 0x30))
            if overflow1 || overflow2 || sum > limit {
                return .failure(IDError(message: "span id does not fit in a signed 64-bit integer", offset: 0))
            }
            magnitude = sum
        }
        guard complete else { return .success(nil) }
        let value = negative ? (magnitude == limit ? Int64.min : -Int64(magnitude)) : Int64(magnitude)
        return .success(.number(value))
    }

    /// `name=value` pieces separated by unescaped commas, checked and kept as the line's bytes:
    /// strings are made later, only if an output asks for them (this runs for every marker).
    func parseArgs(from start: Int, to end: Int) -> Result<MarkerArgs, MarkerError> {
        line[start..<end].withUnsafeBufferPointer { bytes in
            if !MarkerArgs.isPlainAndWellFormed(bytes), let error = MarkerArgs.scan(bytes, piece: { _, _ in }) {
                return .failure(MarkerError(error.message, column: column(start + error.offset)))
            }
            return .success(MarkerArgs(checkedBytes: Array(bytes)))
        }
    }

    /// The bytes as text; unescaped only when the scan saw a backslash in them.
    private static func text(_ bytes: ArraySlice<UInt8>, unescaping: Bool) -> String {
        guard unescaping else { return String(decoding: bytes, as: UTF8.self) }
        return bytes.withUnsafeBufferPointer(MarkerParser.unescapedText)
    }
}
