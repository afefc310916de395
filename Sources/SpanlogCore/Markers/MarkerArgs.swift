/// A marker's arguments: `name=value` pairs in the order written, duplicated names kept.
///
/// A simple marker's arguments stay the marker's own bytes (checked when it was parsed), and
/// strings are made only for whoever asks for them: most span records go to JSON, which is
/// written straight from the bytes, so a span costs no string per argument on its way there.
public struct MarkerArgs: Sequence, Sendable, Hashable, ExpressibleByArrayLiteral {
    public typealias Element = (name: String, value: String)

    private enum Storage: Sendable {
        case pairs([Element])
        /// What `SimpleMarkerParser` accepted between the tags and the final `:`.
        case bytes([UInt8])
    }

    private let storage: Storage

    public init(_ pairs: [Element]) {
        storage = .pairs(pairs)
    }

    public init(arrayLiteral elements: Element...) {
        storage = .pairs(elements)
    }

    /// Bytes `MarkerArgs.scan` accepted.
    init(checkedBytes: [UInt8]) {
        storage = checkedBytes.isEmpty ? .pairs([]) : .bytes(checkedBytes)
    }

    /// The argument bytes as written (checked by `scan`), when kept as bytes.
    package var bytes: [UInt8]? {
        if case .bytes(let bytes) = storage { return bytes }
        return nil
    }

    public var pairs: [Element] {
        switch storage {
        case .pairs(let pairs):
            return pairs
        case .bytes(let bytes):
            var pairs: [Element] = []
            bytes.withUnsafeBufferPointer { raw in
                _ = Self.scan(raw) { name, value in
                    pairs.append((MarkerParser.unescapedText(UnsafeBufferPointer(rebasing: raw[name])),
                                  MarkerParser.unescapedText(UnsafeBufferPointer(rebasing: raw[value]))))
                }
            }
            return pairs
        }
    }

    public func makeIterator() -> IndexingIterator<[Element]> { pairs.makeIterator() }

    public var isEmpty: Bool {
        switch storage {
        case .pairs(let pairs): pairs.isEmpty
        case .bytes: false  // never empty: see init(checkedBytes:)
        }
    }

    public var count: Int {
        switch storage {
        case .pairs(let pairs):
            return pairs.count
        case .bytes(let bytes):
            var count = 0
            bytes.withUnsafeBufferPointer { _ = Self.scan($0) { _, _ in count += 1 } }
            return count
        }
    }

    public var first: Element? { pairs.first }

    /// The first value given for `name` (what JSON span records keep), without making strings
    /// of the other arguments.
    public func value(named name: String) -> String? {
        switch storage {
        case .pairs(let pairs):
            for pair in pairs where pair.name == name { return pair.value }
            return nil
        case .bytes(let bytes):
            var found: String?
            bytes.withUnsafeBufferPointer { raw in
                _ = Self.scan(raw) { nameRange, valueRange in
                    guard found == nil, MarkerParser.unescapedText(UnsafeBufferPointer(rebasing: raw[nameRange])) == name else { return }
                    found = MarkerParser.unescapedText(UnsafeBufferPointer(rebasing: raw[valueRange]))
                }
            }
            return found
        }
    }

    /// Whether an argument may be named `traceparent`, `trace_id` or `span_id`: the first eight
    /// bytes of each name against theirs, one load each, so that the marker path pays no
    /// string per argument on every enter without them.
    var mayDeclareTraceContext: Bool {
        switch storage {
        case .pairs(let pairs):
            return pairs.contains { TraceContext.argumentNames.contains($0.name) }
        case .bytes(let bytes):
            return bytes.withUnsafeBufferPointer { raw in
                guard let base = UnsafeRawPointer(raw.baseAddress) else { return false }
                var start = 0
                while start + 8 <= raw.count {
                    switch base.loadUnaligned(fromByteOffset: start, as: UInt64.self) {
                    case Self.tracepar, Self.traceID, Self.spanID: return true
                    default: break
                    }
                    // Arguments are short: a plain loop to the next comma.
                    while start < raw.count && raw[start] != MarkerParser.comma { start += 1 }
                    start += 1
                }
                return false
            }
        }
    }

    /// "tracepar", "trace_id", "span_id=" as little-endian words.
    private static let tracepar = word("tracepar"), traceID = word("trace_id"), spanID = word("span_id=")

    private static func word(_ text: StaticString) -> UInt64 {
        UnsafeRawPointer(text.utf8Start).loadUnaligned(as: UInt64.self)
    }

    public static func == (lhs: MarkerArgs, rhs: MarkerArgs) -> Bool {
        let left = lhs.pairs, right = rhs.pairs
        return left.map(\.name) == right.map(\.name) && left.map(\.value) == right.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        for pair in pairs {
            hasher.combine(pair.name)
            hasher.combine(pair.value)
        }
    }

    struct ScanError: Error {
        var message: String
        /// Byte offset in the scanned bytes.
        var offset: Int
    }

    /// `name=value` pieces separated by unescaped commas, each split at its first unescaped `=`;
    /// `piece` gets the name's and the value's ranges (escapes still in them). Returns the first
    /// problem, with nothing more reported after it.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, piece: (Range<Int>, Range<Int>) -> Void) -> ScanError? {
        let end = bytes.count
        var pieceStart = 0
        var equalsAt = -1
        var index = 0
        while true {
            if index >= end || bytes[index] == MarkerParser.comma {
                let pieceEnd = Swift.min(index, end)
                guard equalsAt >= 0 else {
                    if pieceEnd == pieceStart {
                        return ScanError(message: pieceEnd == end ? "trailing ',' after the last argument" : "empty argument",
                                         offset: pieceEnd)
                    }
                    let name = MarkerParser.unescapedText(UnsafeBufferPointer(rebasing: bytes[pieceStart..<pieceEnd]))
                    return ScanError(message: "argument '\(name)' has no '=' and no value", offset: pieceStart)
                }
                piece(pieceStart..<equalsAt, (equalsAt + 1)..<pieceEnd)
                guard index < end else { return nil }
                pieceStart = index + 1
                equalsAt = -1
                index += 1
                continue
            }
            let byte = bytes[index]
            if byte == MarkerParser.backslash, index + 1 < end {
                index += 2
                continue
            }
            if equalsAt < 0 {
                if byte == MarkerParser.equals {
                    equalsAt = index
                } else if byte == MarkerParser.greater || byte == MarkerParser.less {
                    return ScanError(message: "unescaped '\(Character(Unicode.Scalar(byte)))' in an argument name",
                                     offset: index)
                }
            }
            index += 1
        }
    }

    /// True when the bytes are certainly well-formed arguments without escapes, found eight
    /// bytes at a time: no `\\`, `<` or `>` anywhere, and each comma-separated piece holds a `=`.
    /// False means only that `scan` has to decide (and word the error).
    static func isPlainAndWellFormed(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = UnsafeRawPointer(bytes.baseAddress), !bytes.isEmpty else { return false }
        let count = bytes.count
        var index = 0
        while index + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if ByteSearch.holds(word, MarkerParser.backslash) || ByteSearch.holds(word, MarkerParser.less)
                || ByteSearch.holds(word, MarkerParser.greater) { return false }
            index += 8
        }
        while index < count {
            let byte = bytes[index]
            if byte == MarkerParser.backslash || byte == MarkerParser.less || byte == MarkerParser.greater { return false }
            index += 1
        }
        var pieceStart = 0
        while true {
            guard let separator = ByteSearch.first(MarkerParser.equals, or: MarkerParser.comma, in: bytes, from: pieceStart),
                  bytes[separator] == MarkerParser.equals else { return false }
            guard let comma = ByteSearch.first(MarkerParser.comma, in: bytes, from: separator + 1) else { return true }
            pieceStart = comma + 1
            if pieceStart == count { return false }
        }
    }

}
