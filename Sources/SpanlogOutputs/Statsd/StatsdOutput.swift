#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore

/// Why a statsd output could not be set up.
public struct StatsdAddressError: Error, CustomStringConvertible {
    public var description: String
}

/// Sends span latencies to a statsd server over UDP: each ended span a timer
/// `spanlog.<tags>:<ms>|ms`, its error lines a counter `spanlog.<tags>.errors:<n>|c`, and each
/// alert `spanlog.alerts.<rule>:1|c`. Metrics are batched into datagrams of at most
/// `maxDatagram` bytes (one Ethernet MTU's worth), sent when full and whenever the pipeline goes
/// idle. The socket never blocks: a datagram the kernel will not take, or that nobody receives
/// (a refused port shows up on the next send), is counted in the output's health, never waited
/// for.
public final class StatsdOutput: RecordSink {
    public static let maxDatagram = 1432
    public let address: String
    private let socket: Int32
    private let health: OutputHealth
    private var pending: [UInt8] = []
    /// `spanlog.<tags>` as bytes, by tag list: a service has few span kinds, and building the
    /// sanitized name for every span would cost more than all the rest.
    private var paths = TagPathIndex()
    private var names: [[UInt8]] = []
    private var metric: [UInt8] = []

    /// `host:port` (`[v6]:port` for IPv6 literals); the name is resolved once, now.
    public init(address: String, health: OutputHealth) throws(StatsdAddressError) {
        self.address = address
        self.health = health
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]), port > 0 else {
            throw StatsdAddressError(description: "statsd address '\(address)' needs HOST:PORT, for example 127.0.0.1:8125")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.isEmpty ? "127.0.0.1" : host, String(port), &hints, &found)
        guard status == 0, let info = found else {
            throw StatsdAddressError(description: "statsd host '\(host)' cannot be resolved: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(found) }
        let descriptor = Glibc.socket(info.pointee.ai_family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw StatsdAddressError(description: "cannot open a UDP socket: \(String(cString: strerror(errno)))")
        }
        // Connected: the kernel then reports a refused port (nobody listening) on a later send.
        guard connect(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw StatsdAddressError(description: "cannot address statsd at \(address): \(reason)")
        }
        socket = descriptor
    }

    deinit { close(socket) }

    public func emit(_ record: Record) {
        switch record {
        case .span(let span):
            let name = metricName(span.summary.tags)
            metric.removeAll(keepingCapacity: true)
            metric += name
            metric.append(0x3A)  // :
            Self.appendMilliseconds(max(0, span.durationNanoseconds), to: &metric)
            metric += Self.timerSuffix
            add(metric)
            if span.errors > 0 {
                metric.removeAll(keepingCapacity: true)
                metric += name
                metric += Self.errorsInfix
                Self.appendDigits(UInt64(span.errors), to: &metric)
                metric += Self.counterSuffix
                add(metric)
            }
        case .alert(let alert):
            add(Array("spanlog.alerts.\(Self.sanitize(alert.rule)):1|c".utf8))
        default:
            break
        }
    }

    private static let timerSuffix = Array("|ms".utf8)
    private static let errorsInfix = Array(".errors:".utf8)
    private static let counterSuffix = Array("|c".utf8)

    private func metricName(_ tags: [String]) -> [UInt8] {
        let path = paths.index(of: tags)
        while names.count <= path { names.append(Array("spanlog.\(Self.sanitizedName(paths.paths[names.count]))".utf8)) }
        return names[path]
    }

    /// Nanoseconds as milliseconds with up to three decimals, written as digits (no String:
    /// this runs for every span).
    static func appendMilliseconds(_ nanoseconds: Int64, to out: inout [UInt8]) {
        let thousandths = UInt64(max(0, nanoseconds)) / 1000 + (UInt64(max(0, nanoseconds)) % 1000 >= 500 ? 1 : 0)
        appendDigits(thousandths / 1000, to: &out)
        var fraction = thousandths % 1000
        guard fraction != 0 else { return }
        out.append(0x2E)  // .
        var width = 3
        while fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        var divisor: UInt64 = width == 3 ? 100 : width == 2 ? 10 : 1
        while divisor > 0 {
            out.append(0x30 + UInt8(fraction / divisor % 10))
            divisor /= 10
        }
    }

    static func appendDigits(_ value: UInt64, to out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = 0x30 + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            out.append(contentsOf: buffer[(20 - count)...])
        }
    }

    public func flush() { send() }

    public func finish() { send() }

    /// Before the final stats record: the last datagram goes now, so its failure is counted there.
    public func settle() { send() }

    private func add(_ bytes: [UInt8]) {
        if !pending.isEmpty, pending.count + 1 + bytes.count > Self.maxDatagram { send() }
        if !pending.isEmpty { pending.append(0x0A) }
        pending += bytes
    }

    private func send() {
        guard !pending.isEmpty else { return }
        let sent = pending.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if sent != pending.count {
            let reason = errno == ECONNREFUSED ? "nothing listens at \(address)" : String(cString: strerror(errno))
            health.record(.unavailable("statsd \(address): \(reason)"), lostBytes: pending.count)
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Tags joined with '.', each kept to letters, digits, '_' and '-' (others become '_'), so
    /// a tag cannot add a level or end the metric name.
    static func sanitizedName(_ tags: [String]) -> String {
        tags.isEmpty ? "untagged" : tags.map(sanitize).joined(separator: ".")
    }

    static func sanitize(_ tag: String) -> String {
        guard !tag.isEmpty else { return "_" }
        return String(String.UnicodeScalarView(tag.unicodeScalars.map { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
                ? scalar : "_"
        }))
    }
}
