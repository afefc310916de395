import SpanlogCore

/// One OTLP request being built, its records encoded as they arrive. Each process is one
/// resource. The first process's records go straight into the request's body; another's (rare:
/// a batch mostly holds one process) into a buffer of its own, joined at the end. The body is
/// handed to the sending thread as it is, and comes back empty to be filled again.
final class OTLPRequestBuilder {
    struct Resource: Equatable {
        var pid: Int32
        var command: String
        var container: String?
    }

    typealias Kind = (resources: StaticString, scopes: StaticString, items: StaticString)

    private struct Group {
        var resource: Resource
        var records: ByteBuffer
        var count = 0
    }

    private let kind: Kind
    private var body: ByteBuffer?
    private var bodyResource: Resource?
    private var bodyCount = 0
    private var others: [Group] = []
    private var spareBuffers: [ByteBuffer] = []
    private(set) var count = 0

    init(_ kind: Kind) { self.kind = kind }

    /// The buffer to append one more record of `resource` to, with the separator written.
    /// `spare` gives an empty body to start a request in; `appendResource` writes a resource.
    func records(pid: Int32, command: String, container: String?, spare: () -> ByteBuffer?,
                 appendResource: (Resource, ByteBuffer) -> Void) -> ByteBuffer {
        count += 1
        // Most records are the body's own process: compared field by field, no resource made.
        if let body, let current = bodyResource, current.pid == pid, current.command == command, current.container == container {
            if bodyCount > 0 { body.append(",") }
            bodyCount += 1
            return body
        }
        let resource = Resource(pid: pid, command: command, container: container)
        if body == nil {
            let started = spare() ?? ByteBuffer(flushThreshold: 0)
            started.append("{\"")
            started.append(kind.resources)
            started.append("\":[")
            openGroup(resource, in: started, appendResource: appendResource)
            body = started
            bodyResource = resource
            bodyCount = 1
            return started
        }
        let index: Int
        if let known = others.firstIndex(where: { $0.resource == resource }) {
            index = known
        } else {
            others.append(Group(resource: resource, records: spareBuffers.popLast() ?? ByteBuffer(flushThreshold: 0)))
            index = others.count - 1
        }
        if others[index].count > 0 { others[index].records.append(",") }
        others[index].count += 1
        return others[index].records
    }

    private func openGroup(_ resource: Resource, in buffer: ByteBuffer, appendResource: (Resource, ByteBuffer) -> Void) {
        buffer.append("{")
        appendResource(resource, buffer)
        buffer.append(",\"")
        buffer.append(kind.scopes)
        buffer.append("\":[{\"scope\":{\"name\":\"spanlog\"},\"")
        buffer.append(kind.items)
        buffer.append("\":[")
    }

    /// The finished request (`{"resourceX":[{"resource":…,"scopeX":[{"scope":…,"items":[…]}]},…]}`),
    /// or nil when it holds nothing; the builder starts afresh.
    func request(appendResource: (Resource, ByteBuffer) -> Void) -> ByteBuffer? {
        guard let body else { return nil }
        body.append("]}]}")
        for group in others {
            body.append(",")
            openGroup(group.resource, in: body, appendResource: appendResource)
            group.records.withBytes { body.append(bytes: $0) }
            body.append("]}]}")
            group.records.removeAll()
            spareBuffers.append(group.records)
        }
        body.append("]}")
        self.body = nil
        bodyResource = nil
        bodyCount = 0
        others.removeAll(keepingCapacity: true)
        count = 0
        return body
    }
}

/// Encodes spans as an OTLP `ExportTraceServiceRequest` and lines and alerts as an
/// `ExportLogsServiceRequest`, in the OTLP/HTTP JSON encoding (ids in hex, 64-bit integers as
/// decimal strings, enums as numbers). Each process is one resource: `host.name`,
/// `service.name`, `process.pid`, `process.command`, and `container.id` when it has one.
/// Attribute names: docs/otlp.md.
struct OTLPEncoder {
    var host: String = ""
    var serviceName: String?
    /// `{"key":"spanlog.tags",…}` per tag list: a service has few span kinds.
    private var tagsJSON = TagListCache<[UInt8]>(limit: 1024)
    private let scratch = ByteBuffer(flushThreshold: 0)
    private var secondsDigits: (seconds: UInt64, digits: [UInt8]) = (.max, [])
    private var idsJSON: (trace: TraceContext, json: [UInt8]) = (.none, [])

    static let traces: OTLPRequestBuilder.Kind = ("resourceSpans", "scopeSpans", "spans")
    static let logs: OTLPRequestBuilder.Kind = ("resourceLogs", "scopeLogs", "logRecords")

    func appendResource(_ resource: OTLPRequestBuilder.Resource, to buffer: ByteBuffer) {
        buffer.append("\"resource\":{\"attributes\":[")
        var attributes = Attributes(buffer)
        attributes.string("host.name", host)
        attributes.string("service.name", serviceName ?? resource.command)
        attributes.int("process.pid", Int64(resource.pid))
        attributes.string("process.command", resource.command)
        if let container = resource.container { attributes.string("container.id", container) }
        buffer.append("]}")
    }

    mutating func appendSpan(_ span: SpanRecord, to buffer: ByteBuffer) {
        let trace = span.summary.trace
        buffer.append("{")
        Self.appendTraceAndSpanID(trace, to: buffer)
        if trace.parentSpanID != 0 {
            buffer.append(",\"parentSpanId\":\"")
            buffer.appendHex16(trace.parentSpanID)
            buffer.append("\"")
        }
        buffer.append(",\"name\":")
        JSONEscaper.appendString(span.summary.displayName, to: buffer)
        // A span joined to a remote parent serves that caller's request.
        let remoteParent = trace.parentSpanID != 0 && (span.parent == nil || span.summary.enterArgs.value(named: "traceparent") != nil)
        buffer.append(remoteParent ? ",\"kind\":2" : ",\"kind\":1")
        buffer.append(",\"startTimeUnixNano\":\"")
        buffer.appendDecimal(UInt64(max(0, span.start)))
        buffer.append("\",\"endTimeUnixNano\":\"")
        buffer.appendDecimal(UInt64(max(0, span.end)))
        buffer.append("\",\"attributes\":[")
        var attributes = Attributes(buffer)
        appendTags(span.summary.tags, into: &attributes)
        attributes.uid("spanlog.span_uid", span.summary.uid)
        attributes.int("spanlog.id", span.summary.id)
        attributes.int("thread.id", Int64(span.tid))
        for arg in span.enterArgs { attributes.string(named: "spanlog.enter." + arg.name, arg.value) }
        for arg in span.exitArgs { attributes.string(named: "spanlog.exit." + arg.name, arg.value) }
        let outcome = span.outcome
        attributes.string("spanlog.outcome", outcome.verdict.rawValue)
        attributes.string("spanlog.end_reason", span.endReason.rawValue)
        if outcome.failed { attributes.strings("spanlog.failure_reasons", outcome.reasons.names) }
        attributes.int("spanlog.lines", Int64(span.lines))
        attributes.int("spanlog.errors", Int64(span.errors))
        attributes.int("spanlog.errors_total", Int64(span.errorsTotal))
        attributes.int("spanlog.alerts", Int64(span.alerts))
        let io = span.io
        attributes.int("spanlog.io.stdout_lines", Int64(io.stdoutLines))
        attributes.int("spanlog.io.stdout_bytes", Int64(io.stdoutBytes))
        attributes.int("spanlog.io.stderr_lines", Int64(io.stderrLines))
        attributes.int("spanlog.io.stderr_bytes", Int64(io.stderrBytes))
        attributes.int("spanlog.io.file_lines", Int64(io.fileLines))
        attributes.int("spanlog.io.file_bytes", Int64(io.fileBytes))
        if let syscalls = io.syscalls {
            attributes.int("spanlog.io.read_bytes", Int64(clamping: syscalls.readBytes))
            attributes.int("spanlog.io.written_bytes", Int64(clamping: syscalls.writtenBytes))
            attributes.int("spanlog.io.reads", Int64(clamping: syscalls.reads))
            attributes.int("spanlog.io.writes", Int64(clamping: syscalls.writes))
        }
        buffer.append("]")
        if outcome.failed {
            buffer.append(",\"status\":{\"code\":2,\"message\":")
            JSONEscaper.appendString(outcome.description(endReason: span.endReason), to: buffer)
            buffer.append("}")
        }
        buffer.append("}")
    }

    mutating func appendLine(_ line: LineRecord, to buffer: ByteBuffer) {
        buffer.append("{\"timeUnixNano\":\"")
        let start = buffer.count
        appendNanoseconds(line.timestamp, to: buffer)
        let end = buffer.count
        buffer.append("\",\"observedTimeUnixNano\":\"")
        buffer.appendCopy(from: start, to: end)
        buffer.append("\"")
        if let level = line.level { Self.appendSeverity(level, to: buffer) }
        // Text that is not UTF-8 goes as bytes, so that nothing is changed on the way.
        let valid = line.text.withUnsafeBufferPointer { Self.isUTF8($0) }
        if valid {
            buffer.append(",\"body\":{\"stringValue\":")
            JSONEscaper.appendBytes(line.text, to: buffer)
        } else {
            buffer.append(",\"body\":{\"bytesValue\":\"")
            Self.appendBase64(line.text, to: buffer)
            buffer.append("\"")
        }
        buffer.append("},\"attributes\":[")
        var attributes = Attributes(buffer)
        switch (line.path, line.stream) {
        case (let path?, _): attributes.string("log.file.path", path)
        case (nil, .stderr): attributes.raw("{\"key\":\"log.iostream\",\"value\":{\"stringValue\":\"stderr\"}}")
        case (nil, _): attributes.raw("{\"key\":\"log.iostream\",\"value\":{\"stringValue\":\"stdout\"}}")
        }
        attributes.int("thread.id", Int64(line.tid))
        if line.truncated { attributes.bool("spanlog.truncated", true) }
        // Its span is named by traceId and spanId: the span carries the tags and the uid.
        buffer.append("]")
        if let span = line.span { appendSharedIDs(span.trace, to: buffer) }
        buffer.append("}")
    }

    /// Nanoseconds since the epoch in decimal: the seconds' digits are kept from the last
    /// time (lines come many to a second), the nanoseconds written nine digits at once.
    private mutating func appendNanoseconds(_ value: Int64, to buffer: ByteBuffer) {
        let nanoseconds = UInt64(max(0, value))
        let seconds = nanoseconds / 1_000_000_000
        if seconds != secondsDigits.seconds {
            scratch.removeAll()
            if seconds > 0 { scratch.appendDecimal(seconds) }
            secondsDigits = (seconds, scratch.bytes)
        }
        buffer.append(bytes: secondsDigits.digits)
        if seconds > 0 {
            buffer.appendNineDigits(nanoseconds % 1_000_000_000)
        } else {
            buffer.appendDecimal(nanoseconds)
        }
    }

    /// `,"traceId":"…","spanId":"…"` of a line's span, kept while lines of the same span follow.
    private mutating func appendSharedIDs(_ trace: TraceContext, to buffer: ByteBuffer) {
        if trace != idsJSON.trace {
            scratch.removeAll()
            appendIDs(trace, to: scratch)
            idsJSON = (trace, scratch.bytes)
        }
        buffer.append(bytes: idsJSON.json)
    }

    mutating func appendAlert(_ alert: AlertRecord, to buffer: ByteBuffer) {
        buffer.append("{\"timeUnixNano\":\"")
        buffer.appendDecimal(UInt64(max(0, alert.timestamp)))
        buffer.append("\",\"observedTimeUnixNano\":\"")
        buffer.appendDecimal(UInt64(max(0, alert.timestamp)))
        buffer.append("\",\"severityNumber\":")
        buffer.appendDecimal(Self.severity(alert.priority))
        buffer.append(",\"severityText\":")
        JSONEscaper.appendString(alert.priority.name.uppercased(), to: buffer)
        buffer.append(",\"body\":{\"stringValue\":")
        JSONEscaper.appendString(alert.message, to: buffer)
        buffer.append("},\"attributes\":[")
        var attributes = Attributes(buffer)
        attributes.string("event.name", "spanlog.alert")
        attributes.string("spanlog.rule", alert.rule)
        attributes.string("spanlog.alert.trigger", alert.trigger.rawValue)
        if alert.suppressed > 0 { attributes.int("spanlog.alert.suppressed", Int64(alert.suppressed)) }
        attributes.uid("spanlog.span_uid", alert.span.summary.uid)
        appendTags(alert.span.summary.tags, into: &attributes)
        buffer.append("]")
        appendIDs(alert.span.summary.trace, to: buffer)
        buffer.append("}")
    }

    /// The `spanlog.tags` attribute, encoded once per tag list.
    private mutating func appendTags(_ tags: [String], into attributes: inout Attributes) {
        if let json = tagsJSON.value(for: tags) {
            attributes.raw(bytes: json)
            return
        }
        scratch.removeAll()
        var encoded = Attributes(scratch)
        encoded.strings("spanlog.tags", tags)
        let json = scratch.bytes
        tagsJSON.store(json, for: tags)
        attributes.raw(bytes: json)
    }

    private func appendIDs(_ trace: TraceContext, to buffer: ByteBuffer) {
        guard trace.spanID != 0 else { return }
        buffer.append(",")
        Self.appendTraceAndSpanID(trace, to: buffer)
    }

    /// `"traceId":"…","spanId":"…"`, in OTLP/JSON's hex.
    private static func appendTraceAndSpanID(_ trace: TraceContext, to buffer: ByteBuffer) {
        buffer.append("\"traceId\":\"")
        buffer.appendHex16(trace.traceHigh)
        buffer.appendHex16(trace.traceLow)
        buffer.append("\",\"spanId\":\"")
        buffer.appendHex16(trace.spanID)
        buffer.append("\"")
    }

    /// OpenTelemetry's severity numbers (TRACE 1, DEBUG 5, INFO 9, INFO2 10, WARN 13, ERROR 17,
    /// FATAL 21) and the level's name.
    static func appendSeverity(_ level: LogLevel, to buffer: ByteBuffer) {
        switch level {
        case .trace: buffer.append(",\"severityNumber\":1,\"severityText\":\"TRACE\"")
        case .debug: buffer.append(",\"severityNumber\":5,\"severityText\":\"DEBUG\"")
        case .info: buffer.append(",\"severityNumber\":9,\"severityText\":\"INFO\"")
        case .notice: buffer.append(",\"severityNumber\":10,\"severityText\":\"NOTICE\"")
        case .warning: buffer.append(",\"severityNumber\":13,\"severityText\":\"WARNING\"")
        case .error: buffer.append(",\"severityNumber\":17,\"severityText\":\"ERROR\"")
        case .critical: buffer.append(",\"severityNumber\":21,\"severityText\":\"CRITICAL\"")
        }
    }

    static func severity(_ priority: AlertPriority) -> Int {
        switch priority {
        case .emergency: 24
        case .alert: 23
        case .critical: 21
        case .error: 17
        case .warning: 13
        case .notice: 10
        case .informational: 9
        case .debug: 5
        }
    }

    static func isUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        // ASCII eight bytes at a time: most log text is.
        if let base = UnsafeRawPointer(bytes.baseAddress) {
            while index + 8 <= bytes.count,
                  base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
            }
        }
        while index < bytes.count {
            if bytes[index] < 0x80 {
                index += 1
                continue
            }
            let length = JSONEscaper.validUTF8Length(bytes, at: index)
            if length == 0 { return false }
            index += length
        }
        return true
    }

    private static let base64Digits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func appendBase64(_ bytes: ArraySlice<UInt8>, to buffer: ByteBuffer) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let count = min(3, bytes.endIndex - index)
            var word = UInt32(bytes[index]) << 16
            if count > 1 { word |= UInt32(bytes[index + 1]) << 8 }
            if count > 2 { word |= UInt32(bytes[index + 2]) }
            for position in 0..<4 {
                if position <= count {
                    buffer.append(base64Digits[Int(word >> UInt32(18 - 6 * position) & 0x3F)])
                } else {
                    buffer.append(0x3D)  // =
                }
            }
            index += count
        }
    }
}

/// Writes `{"key":…,"value":{…}}` entries, comma-separated, into an attribute list.
private struct Attributes {
    let buffer: ByteBuffer
    var count = 0

    init(_ buffer: ByteBuffer) { self.buffer = buffer }

    /// A whole attribute, already encoded.
    mutating func raw(_ attribute: StaticString) {
        if count > 0 { buffer.append(",") }
        count += 1
        buffer.append(attribute)
    }

    mutating func raw(bytes attribute: [UInt8]) {
        if count > 0 { buffer.append(",") }
        count += 1
        buffer.append(bytes: attribute)
    }

    /// A span uid as its text (`5f3c9a01-1b`), written without making the string.
    mutating func uid(_ name: StaticString, _ uid: SpanUID) {
        if count > 0 { buffer.append(",") }
        count += 1
        buffer.append("{\"key\":\"")
        buffer.append(name)
        buffer.append("\",\"value\":{\"stringValue\":\"")
        buffer.appendHex(UInt64(uid.session), minimumDigits: 8)
        buffer.append("-")
        buffer.appendHex(uid.sequence)
        buffer.append("\"}}")
    }

    private mutating func key(_ name: StaticString) {
        if count > 0 { buffer.append(",") }
        count += 1
        buffer.append("{\"key\":\"")
        buffer.append(name)
        buffer.append("\",\"value\":{")
    }

    /// An attribute whose name is made at run time (a marker argument's).
    mutating func string(named name: String, _ value: String) {
        if count > 0 { buffer.append(",") }
        count += 1
        buffer.append("{\"key\":")
        JSONEscaper.appendString(name, to: buffer)
        buffer.append(",\"value\":{\"stringValue\":")
        JSONEscaper.appendString(value, to: buffer)
        buffer.append("}}")
    }

    mutating func string(_ name: StaticString, _ value: String) {
        key(name)
        buffer.append("\"stringValue\":")
        JSONEscaper.appendString(value, to: buffer)
        buffer.append("}}")
    }

    mutating func int(_ name: StaticString, _ value: Int64) {
        key(name)
        buffer.append("\"intValue\":\"")
        buffer.appendDecimal(value)
        buffer.append("\"}}")
    }

    mutating func bool(_ name: StaticString, _ value: Bool) {
        key(name)
        buffer.append(value ? "\"boolValue\":true}}" : "\"boolValue\":false}}")
    }

    mutating func strings(_ name: StaticString, _ values: [String]) {
        key(name)
        buffer.append("\"arrayValue\":{\"values\":[")
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.append(",") }
            buffer.append("{\"stringValue\":")
            JSONEscaper.appendString(value, to: buffer)
            buffer.append("}")
        }
        buffer.append("]}}}")
    }
}
