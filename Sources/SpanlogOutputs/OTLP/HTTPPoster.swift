#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore

/// One HTTP/1.1 POST at a time to one host, over a connection kept open between requests
/// (OTLP batches follow each other), reopened when the server closed it. Blocking, with
/// timeouts: it runs on the OTLP output's sending thread, never on the session's.
final class HTTPPoster {
    enum Outcome: Equatable {
        /// The server answered: its status and the start of its body (an error's reason).
        case answered(status: Int, body: String)
        /// No answer: the connection could not be made or broke (the reason in words).
        case unreachable(String)
    }

    private let host: String
    private let port: UInt16
    private var socket: Int32 = -1
    static let connectTimeoutMilliseconds: Int32 = 2_000
    static let ioTimeoutSeconds = 10

    init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    deinit { disconnect() }

    func post(path: String, contentType: String, body: ByteBuffer) -> Outcome {
        // A kept connection the server closed meanwhile fails on first use: once more, afresh.
        for attempt in 0..<2 {
            let wasOpen = socket >= 0
            if !wasOpen, let failure = connect() { return .unreachable(failure) }
            let outcome = exchange(path: path, contentType: contentType, body: body)
            if case .unreachable = outcome, wasOpen, attempt == 0 {
                disconnect()
                continue
            }
            return outcome
        }
        return .unreachable("the connection broke")
    }

    private func exchange(path: String, contentType: String, body: ByteBuffer) -> Outcome {
        let head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: \(contentType)\r\n"
            + "Content-Length: \(body.count)\r\nUser-Agent: spanlog\r\n\r\n"
        // Head and body as they are: a request can be megabytes, not worth a copy to join them.
        let failure = Array(head.utf8).withUnsafeBytes { FileDescriptorIO.writeAll(socket, $0) }
            ?? body.withBytes { FileDescriptorIO.writeAll(socket, UnsafeRawBufferPointer($0)) }
        if let failure {
            disconnect()
            return .unreachable("sending failed: \(String(cString: strerror(failure.code)))")
        }
        return readResponse()
    }

    /// The status line, the headers, and a body of Content-Length bytes (or up to the close).
    private func readResponse() -> Outcome {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        var headerEnd: Int?
        var contentLength: Int?
        var closes = false
        while true {
            if let end = headerEnd, let length = contentLength, received.count >= end + length { break }
            let count = chunk.withUnsafeMutableBytes { FileDescriptorIO.read(socket, into: $0) }
            if count < 0 {
                let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "no answer within \(Self.ioTimeoutSeconds) s"
                    : String(cString: strerror(errno))
                disconnect()
                return .unreachable("reading the answer failed: \(reason)")
            }
            if count == 0 {
                if headerEnd == nil {
                    disconnect()
                    return .unreachable("the server closed the connection without answering")
                }
                closes = true
                break
            }
            received += chunk[..<count]
            if headerEnd == nil, let end = Self.headerEnd(received) {
                headerEnd = end
                let head = String(decoding: received[..<end], as: UTF8.self).lowercased()
                for line in head.split(separator: "\r\n") {
                    if line.hasPrefix("content-length:") {
                        contentLength = Int(String(line.dropFirst("content-length:".count).filter { $0 != " " && $0 != "\t" }))
                    } else if line.hasPrefix("connection:"), line.contains("close") {
                        closes = true
                    }
                }
                if contentLength == nil && !closes { contentLength = 0 }
            }
            if received.count > 1 << 20 { break }  // an answer this long is not OTLP's
        }
        guard let end = headerEnd else { return .unreachable("the answer was not HTTP") }
        let statusLine = String(decoding: received[..<end], as: UTF8.self).prefix { $0 != "\r" }
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            disconnect()
            return .unreachable("the answer was not HTTP: \(statusLine.prefix(80))")
        }
        let body = String(decoding: received[end...].prefix(300), as: UTF8.self)
        if closes { disconnect() }
        return .answered(status: status, body: body)
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 0x0D && bytes[index + 1] == 0x0A && bytes[index + 2] == 0x0D && bytes[index + 3] == 0x0A {
            return index + 4
        }
        return nil
    }

    /// Connects with a timeout; nil on success, else why not.
    private func connect() -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, let first = found else {
            return "\(host) cannot be resolved: \(String(cString: gai_strerror(status)))"
        }
        defer { freeaddrinfo(found) }
        var reason = "no address"
        var info: UnsafeMutablePointer<addrinfo>? = first
        while let current = info {
            info = current.pointee.ai_next
            let descriptor = Glibc.socket(current.pointee.ai_family,
                                          Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else {
                reason = String(cString: strerror(errno))
                continue
            }
            if Glibc.connect(descriptor, current.pointee.ai_addr, current.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
                reason = String(cString: strerror(errno))
                close(descriptor)
                continue
            }
            var poll = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            let ready = Glibc.poll(&poll, 1, Self.connectTimeoutMilliseconds)
            if ready <= 0 {
                reason = ready == 0 ? "no connection within \(Self.connectTimeoutMilliseconds / 1000) s" : String(cString: strerror(errno))
                close(descriptor)
                continue
            }
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 {
                reason = String(cString: strerror(error))
                close(descriptor)
                continue
            }
            // Blocking from here on, each read and write bounded.
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
            var timeout = timeval(tv_sec: Self.ioTimeoutSeconds, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var one: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            socket = descriptor
            return nil
        }
        return "cannot connect to \(host):\(port): \(reason)"
    }

    func disconnect() {
        if socket >= 0 { close(socket) }
        socket = -1
    }
}
