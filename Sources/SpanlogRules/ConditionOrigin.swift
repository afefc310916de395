/// Where a condition (or output template) was written, so that a byte offset in its text maps
/// to a file line and column.
struct ConditionOrigin {
    var file: String
    /// The scalar's own position in the file (its first character, or its block indicator).
    var line: Int
    var column: Int
    /// The scalar's text as YAML delivered it.
    var text: String
    /// The file's lines, to find a token inside a multi-line scalar.
    var sourceLines: [Substring]
    /// Plain single-line scalars start at `column`; quoted ones one column later.
    var quoted: Bool

    var start: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    /// The file position of the byte at `offset` in `text`.
    func location(at offset: Int) -> SourceLocation {
        let utf8 = Array(text.utf8)
        let clamped = min(max(offset, 0), utf8.count)
        let before = String(decoding: utf8[..<clamped], as: UTF8.self)
        if !text.contains("\n"), line - 1 < sourceLines.count,
           sourceLines[line - 1].dropFirst(column - 1 + (quoted ? 1 : 0)).hasPrefix(text.prefix(1)) {
            return SourceLocation(file: file, line: line, column: column + (quoted ? 1 : 0) + before.count)
        }
        // A block or multi-line scalar: find the token's occurrence in the raw lines that follow.
        let token = String(decoding: utf8[clamped...].prefix { $0 != 0x20 && $0 != 0x0A }, as: UTF8.self)
        guard !token.isEmpty else { return start }
        var remaining = before.components(separatedBy: token).count - 1
        for lineIndex in (line - 1)..<sourceLines.count {
            var searchFrom = sourceLines[lineIndex].startIndex
            if lineIndex == line - 1 {
                searchFrom = sourceLines[lineIndex].index(searchFrom, offsetBy: min(column - 1, sourceLines[lineIndex].count))
            }
            while let range = sourceLines[lineIndex][searchFrom...].range(of: token) {
                if remaining == 0 {
                    let columnNumber = sourceLines[lineIndex].distance(from: sourceLines[lineIndex].startIndex, to: range.lowerBound) + 1
                    return SourceLocation(file: file, line: lineIndex + 1, column: columnNumber)
                }
                remaining -= 1
                searchFrom = range.upperBound
            }
        }
        return start
    }
}
