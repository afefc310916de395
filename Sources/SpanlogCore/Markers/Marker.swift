/// A parsed tracer marker: one span enter or exit, as a program wrote it to `/dev/null`.
public struct Marker: Hashable, Sendable {
    public enum Direction: UInt8, Sendable {
        case enter = 0x3E  // ">"
        case exit = 0x3C   // "<"
        /// The writing thread now works for the most recent open span with this key (async code).
        case switchTo = 0x3D  // "="
    }

    /// How the marker names its span id. Resolution to a number needs the writer
    /// (thread, process, parent), so the parser keeps the kind.
    public enum ID: Hashable, Sendable {
        case global
        case thread
        case process
        case parent
        case number(Int64)
        /// Only in switch markers (`=:none:::`): the thread now works for no span of its own,
        /// as an event loop does between requests.
        case none
    }

    public var direction: Direction
    public var id: ID
    public var tags: [String]
    /// Arguments in the order written; duplicated names are kept.
    public var args: MarkerArgs
    /// `Marker.tagsHash(tags)` when the parser already knows it (a remembered head), so the
    /// tracker need not hash the strings again. Not part of the marker's value.
    var tagsHash: UInt32?

    public init(direction: Direction, id: ID, tags: [String], args: MarkerArgs = []) {
        self.direction = direction
        self.id = id
        self.tags = tags
        self.args = args
    }

    public init(direction: Direction, id: ID, tags: [String], args: [(name: String, value: String)]) {
        self.init(direction: direction, id: id, tags: tags, args: MarkerArgs(args))
    }

    init(direction: Direction, id: ID, tags: [String], tagsHash: UInt32, args: MarkerArgs = []) {
        self.init(direction: direction, id: id, tags: tags, args: args)
        self.tagsHash = tagsHash
    }

    public static func == (lhs: Marker, rhs: Marker) -> Bool {
        lhs.direction == rhs.direction && lhs.id == rhs.id && lhs.tags == rhs.tags && lhs.args == rhs.args
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(direction)
        hasher.combine(id)
        hasher.combine(tags)
        hasher.combine(args)
    }

    /// The hash spans of these tags are matched by (stable within one process).
    static func tagsHash(_ tags: [String]) -> UInt32 { UInt32(truncatingIfNeeded: tags.hashValue) }
}

/// Why a marker line was rejected, and the 1-based byte column where the problem is.
public struct MarkerError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var column: Int

    public init(_ message: String, column: Int) {
        self.message = message
        self.column = column
    }

    public var description: String { "column \(column): \(message)" }
}

/// The outcome of parsing one marker line.
public enum MarkerParseResult: Hashable, Sendable {
    /// A complete marker. `trailing` holds the bytes after its final delimiter.
    case marker(Marker, trailing: ArraySlice<UInt8>)
    /// Valid so far, waiting for more bytes (only possible for an unterminated line).
    case incomplete
    case invalid(MarkerError)
}
