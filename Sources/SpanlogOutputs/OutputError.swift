/// An output that cannot be used as asked: what failed, why, and what to do. The runtime turns
/// it into a session error of the same kind.
public struct OutputError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// The request itself is wrong (an unknown output, two outputs on standard output).
        case usage
        /// A file could not be opened or written.
        case io
    }

    public var kind: Kind
    public var what: String
    public var why: String
    public var fix: String?

    public init(_ kind: Kind, what: String, why: String, fix: String? = nil) {
        self.kind = kind
        self.what = what
        self.why = why
        self.fix = fix
    }

    public var description: String {
        fix.map { "\(what): \(why); \($0)" } ?? "\(what): \(why)"
    }
}
