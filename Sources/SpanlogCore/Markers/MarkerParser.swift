/// Parses tracer markers in the simple (`>:ID:TAGS:ARGS:`) and JSON (`[">", ID, [TAGS], [ARGS]]`)
/// forms. See docs/markers.md for the grammar and the places where spanlog deliberately differs
/// from sysdig.
public enum MarkerParser {
    static let colon: UInt8 = 0x3A, backslash: UInt8 = 0x5C, dot: UInt8 = 0x2E, comma: UInt8 = 0x2C
    static let equals: UInt8 = 0x3D, greater: UInt8 = 0x3E, less: UInt8 = 0x3C, newline: UInt8 = 0x0A
    static let openBracket: UInt8 = 0x5B

    /// Parses the first line of `bytes` (up to the first `\n`). A line that has its `\n` can no
    /// longer be incomplete: running out of bytes there is an error.
    public static func parse(_ bytes: some Collection<UInt8>) -> MarkerParseResult {
        let array = Array(bytes)
        if let newline = array.firstIndex(of: newline) {
            return parseLine(array[..<newline], terminated: true)
        }
        return parseLine(array[...], terminated: false)
    }

    /// Parses one marker line (without its `\n`). `terminated` says whether the line is known to
    /// be complete; if it is, a marker that is still waiting for bytes is reported as an error.
    public static func parseLine(_ line: ArraySlice<UInt8>, terminated: Bool) -> MarkerParseResult {
        var firstNonBlank = line.startIndex
        while firstNonBlank < line.endIndex, isJSONWhitespace(line[firstNonBlank]) { firstNonBlank += 1 }
        let result: MarkerParseResult
        if firstNonBlank < line.endIndex, line[firstNonBlank] == openBracket {
            var parser = JSONMarkerParser(line: line)
            result = parser.parse()
        } else {
            var parser = SimpleMarkerParser(line: line)
            result = parser.parse()
        }
        if terminated, case .incomplete = result {
            return .invalid(MarkerError("marker ends before its final delimiter", column: line.count + 1))
        }
        return result
    }

    /// Whether a line written to `/dev/null` is meant as a marker at all. Lines that are not
    /// (a program discarding its output) are counted but never reported as marker errors.
    /// `spanlog markers lint` asks the same question, so both call the same lines malformed.
    /// Meant as a marker: `>:`, `<:`, `=:`, `["`, or a direction and an id with the first colon
    /// left out (`>t:checkout::`, `<42:job::`), a common slip.
    public static func looksLikeMarker(_ line: ArraySlice<UInt8>) -> Bool {
        guard let first = line.first else { return false }
        if first == greater || first == less || first == equals {
            let next = line.index(after: line.startIndex)
            return next == line.endIndex || line[next] == colon || startsWithIDAndColon(line[next...])
        }
        var index = line.startIndex
        while index < line.endIndex, isJSONWhitespace(line[index]) { index += 1 }
        guard index < line.endIndex, line[index] == openBracket else { return false }
        index += 1
        while index < line.endIndex, isJSONWhitespace(line[index]) { index += 1 }
        return index == line.endIndex || line[index] == 0x22  // '"'
    }

    /// `t:`, `p:`, `pp:`, `g:`, `42:`, `-7:` at the start of `bytes`.
    private static func startsWithIDAndColon(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let end = bytes.prefix(21).firstIndex(of: colon), end > bytes.startIndex else { return false }
        let id = bytes[..<end]
        if id.elementsEqual("t".utf8) || id.elementsEqual("p".utf8) || id.elementsEqual("pp".utf8)
            || id.elementsEqual("g".utf8) { return true }
        let digits = id.first == 0x2D ? id.dropFirst() : id[...]
        return !digits.isEmpty && digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// The bytes as text, each backslash removed and the byte after it kept (a backslash that
    /// ends the bytes stays).
    static func unescapedText(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.contains(backslash) else { return String(decoding: bytes, as: UTF8.self) }
        var plain: [UInt8] = []
        plain.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == backslash, index + 1 < bytes.count { index += 1 }
            plain.append(bytes[index])
            index += 1
        }
        return String(decoding: plain, as: UTF8.self)
    }

    static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
