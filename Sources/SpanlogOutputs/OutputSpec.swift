import SpanlogCore

/// One output as the user names it on the command line or in the service's config:
/// `text[:PATH]`, `json[:PATH]` (no path or `-` is standard output), `journald`,
/// `statsd:HOST:PORT`, `otlp:http://HOST:PORT`.
public enum OutputSpec: Equatable, Sendable, CustomStringConvertible {
    case text(path: String?)
    case json(path: String?)
    case journald
    case statsd(address: String)
    case otlp(OTLPEndpoint)

    /// Whether it writes records as text or JSON, to the terminal or a file (not a journal,
    /// a metrics daemon or a collector).
    public var writesRecordsAsText: Bool {
        switch self {
        case .text, .json: true
        case .journald, .statsd, .otlp: false
        }
    }

    /// Parses `text`, `text:PATH`, `json`, `json:PATH`, `journald`, `statsd:HOST:PORT`.
    public init(parsing word: String) throws(OutputError) {
        if word == "journald" {
            self = .journald
            return
        }
        if word.hasPrefix("otlp:") {
            self = .otlp(try OTLPEndpoint(parsing: String(word.dropFirst("otlp:".count))))
            return
        }
        if word.hasPrefix("statsd") {
            let address = word.dropFirst("statsd".count)
            guard address.hasPrefix(":"), address.dropFirst().contains(":") else {
                throw OutputError(.usage, what: "output '\(word)' names no statsd address",
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
            throw OutputError(.usage, what: "output '\(word)' names no path",
                               why: "a ':' must be followed by a file path or '-'",
                               fix: "write \(kind) for standard output, or \(kind):PATH")
        }
        let normalized = path == "-" ? nil : path
        switch kind {
        case "text": self = .text(path: normalized)
        case "json": self = .json(path: normalized)
        default:
            throw OutputError(.usage, what: "unknown output '\(word)'",
                               why: "spanlog writes text, json, journald, statsd or otlp",
                               fix: "use --output text[:PATH], json[:PATH], journald, statsd:HOST:PORT or otlp:http://HOST:PORT")
        }
    }

    /// Whether the output writes to spanlog's standard output.
    public var isStandardOutput: Bool {
        switch self {
        case .text(let path), .json(let path): path == nil
        case .journald, .statsd, .otlp: false
        }
    }

    public var description: String {
        switch self {
        case .text(let path): "text" + (path.map { ":" + $0 } ?? "")
        case .json(let path): "json" + (path.map { ":" + $0 } ?? "")
        case .journald: "journald"
        case .statsd(let address): "statsd:" + address
        case .otlp(let endpoint): "otlp:" + endpoint.description
        }
    }
}
