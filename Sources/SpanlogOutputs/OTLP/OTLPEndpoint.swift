import SpanlogCore

/// Where an OTLP output sends: an OTLP/HTTP receiver (an OpenTelemetry Collector, Jaeger,
/// Tempo, …) as `http://HOST:PORT[/PATH][?service=NAME&retry=DURATION]`. Traces go to
/// `PATH/v1/traces`, logs to `PATH/v1/logs`, as the OTLP specification's default paths;
/// `service` names the `service.name` resource attribute (default: each process's command
/// name); `retry` is how long a batch is offered to a receiver that cannot take it (30s).
public struct OTLPEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    public var basePath: String
    public var serviceName: String?
    public var retryNanoseconds: UInt64?
    private var url: String

    /// The OTLP/HTTP port the specification gives receivers.
    public static let defaultPort: UInt16 = 4318

    public init(parsing url: String) throws(OutputError) {
        self.url = url
        func refuse(_ why: String) -> OutputError {
            OutputError(.usage, what: "output 'otlp:\(url)' is not an OTLP/HTTP receiver spanlog can use", why: why,
                        fix: "write otlp:http://HOST:PORT, for example otlp:http://127.0.0.1:4318")
        }
        if url.hasPrefix("https://") {
            throw OutputError(.usage, what: "output 'otlp:\(url)' asks for TLS", why: "spanlog sends OTLP over plain HTTP",
                              fix: "send to a collector on this host or network (otlp:http://127.0.0.1:4318) and let it forward over TLS")
        }
        guard url.hasPrefix("http://") else { throw refuse("the URL must start with http://") }
        var rest = Substring(url.dropFirst("http://".count))
        if let question = rest.firstIndex(of: "?") {
            let query = rest[rest.index(after: question)...]
            rest = rest[..<question]
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                switch (parts.first, parts.count == 2 ? parts[1] : nil) {
                case ("service"?, let name?) where !name.isEmpty:
                    serviceName = String(name)
                case ("retry"?, let text?):
                    guard let duration = DurationParser.nanoseconds(String(text)) else {
                        throw refuse("retry '\(text)' is not a duration (for example 10s or 500ms)")
                    }
                    retryNanoseconds = duration
                default:
                    throw refuse("'\(pair)' is not a setting spanlog knows (service=NAME, retry=DURATION)")
                }
            }
        }
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        basePath = path
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw refuse("an IPv6 address needs its closing ']'") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                port = Self.defaultPort
            } else {
                guard after.hasPrefix(":"), let number = UInt16(after.dropFirst()), number > 0 else { throw refuse("the port is not a number") }
                port = number
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let number = UInt16(authority[authority.index(after: colon)...]), number > 0 else {
                throw refuse("the port is not a number from 1 to 65535")
            }
            port = number
        } else {
            host = String(authority)
            port = Self.defaultPort
        }
        guard !host.isEmpty else { throw refuse("the URL names no host") }
    }

    public var tracesPath: String { basePath + "/v1/traces" }
    public var logsPath: String { basePath + "/v1/logs" }

    /// The URL as written.
    public var description: String { url }
}
