/// One output as the user names it on the command line or in the service's config:
/// `text[:PATH]`, `json[:PATH]` (no path or `-` is standard output), `journald`.
public enum OutputSpec: Equatable, Sendable, CustomStringConvertible {
    case text(path: String?)
    case json(path: String?)
    case journald

    /// Parses `text`, `text:PATH`, `json`, `json:PATH`, `journald`.
    public init(parsing word: String) throws(SessionError) {
        if word == "journald" {
            self = .journald
            return
        }
        let kind = word.prefix { $0 != ":" }
        let rest = word.dropFirst(kind.count)
        let path: String? = rest.isEmpty ? nil : String(rest.dropFirst())
        if path == "" {
            throw SessionError(.usage, what: "output '\(word)' names no path",
                               why: "a ':' must be followed by a file path or '-'",
                               fix: "write \(kind) for standard output, or \(kind):PATH")
        }
        let normalized = path == "-" ? nil : path
        switch kind {
        case "text": self = .text(path: normalized)
        case "json": self = .json(path: normalized)
        default:
            throw SessionError(.usage, what: "unknown output '\(word)'",
                               why: "spanlog writes text, json or journald",
                               fix: "use --output text[:PATH], --output json[:PATH] or --output journald")
        }
    }

    /// Whether the output writes to spanlog's standard output.
    public var isStandardOutput: Bool {
        switch self {
        case .text(let path), .json(let path): path == nil
        case .journald: false
        }
    }

    public var description: String {
        switch self {
        case .text(let path): "text" + (path.map { ":" + $0 } ?? "")
        case .json(let path): "json" + (path.map { ":" + $0 } ?? "")
        case .journald: "journald"
        }
    }
}

/// How the text view looks.
public struct TextViewStyle: Sendable {
    public enum ColorChoice: String, Sendable, CaseIterable {
        case auto, always, never
    }

    /// Each span as one block when it ends, its lines and children nested under it.
    public var grouped = false
    public var color: ColorChoice = .auto

    public init(grouped: Bool = false, color: ColorChoice = .auto) {
        self.grouped = grouped
        self.color = color
    }

    /// Colour only for a terminal, never with `NO_COLOR` set (to anything) or `TERM=dumb`,
    /// unless asked for with `always`.
    public func usesColor(isTerminal: Bool, environment: [String: String]) -> Bool {
        switch color {
        case .always: return true
        case .never: return false
        case .auto:
            if environment["NO_COLOR"] != nil { return false }
            if environment["TERM"] == "dumb" { return false }
            return isTerminal
        }
    }
}
