/// One output as the user names it on the command line or in the service's config:
/// `text[:PATH]`, `json[:PATH]` (no path or `-` is standard output), `journald`,
/// `statsd:HOST:PORT`.
public enum OutputSpec: Equatable, Sendable, CustomStringConvertible {
    case text(path: String?)
    case json(path: String?)
    case journald
    case statsd(address: String)

    /// Parses `text`, `text:PATH`, `json`, `json:PATH`, `journald`, `statsd:HOST:PORT`.
    public init(parsing word: String) throws(SessionError) {
        if word == "journald" {
            self = .journald
            return
        }
        if word.hasPrefix("statsd") {
            let address = word.dropFirst("statsd".count)
            guard address.hasPrefix(":"), address.dropFirst().contains(":") else {
                throw SessionError(.usage, what: "output '\(word)' names no statsd address",
                                   why: "statsd needs the HOST:PORT to send to",
                                   fix: "write statsd:127.0.0.1:8125 (or --statsd 127.0.0.1:8125)")
            }
            self = .statsd(address: String(address.dropFirst()))
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
                               why: "spanlog writes text, json, journald or statsd",
                               fix: "use --output text[:PATH], json[:PATH], journald or statsd:HOST:PORT")
        }
    }

    /// Whether the output writes to spanlog's standard output.
    public var isStandardOutput: Bool {
        switch self {
        case .text(let path), .json(let path): path == nil
        case .journald, .statsd: false
        }
    }

    public var description: String {
        switch self {
        case .text(let path): "text" + (path.map { ":" + $0 } ?? "")
        case .json(let path): "json" + (path.map { ":" + $0 } ?? "")
        case .journald: "journald"
        case .statsd(let address): "statsd:" + address
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
