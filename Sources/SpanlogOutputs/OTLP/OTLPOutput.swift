import SpanlogCore

/// Spans as OTLP traces, lines and alerts as OTLP logs carrying their span's trace and span
/// ids, to an OTLP/HTTP receiver (JSON encoding). Records are batched on the session's thread
/// (up to `maxSpans` spans or `maxLogs` log records, or whatever waited `maxDelay` when the
/// pipeline goes idle) and sent by an `OTLPSender` on a thread of its own. What cannot be
/// delivered is counted in this output's entry of the stats record (`dropped_spans`,
/// `dropped_logs`) and reported once; nothing is dropped silently.
public final class OTLPOutput: RecordSink {
    public let endpoint: OTLPEndpoint
    private let health: OutputHealth
    private var encoder = OTLPEncoder()
    private var sender: OTLPSender?
    private let retryNanoseconds: UInt64
    private let spans = OTLPRequestBuilder(OTLPEncoder.traces)
    private let logs = OTLPRequestBuilder(OTLPEncoder.logs)
    /// When the oldest record not yet in a batch arrived (monotonic), or nil.
    private var waitingSince: UInt64?
    private var delivery = OTLPDelivery()
    private var settled = false

    static let maxSpans = 512
    static let maxLogs = 2048
    static let maxDelay: UInt64 = 200_000_000
    /// How long a batch is offered to a receiver that cannot take it before it is dropped.
    public static let defaultRetryNanoseconds: UInt64 = 30_000_000_000

    public init(endpoint: OTLPEndpoint, health: OutputHealth) {
        self.endpoint = endpoint
        self.retryNanoseconds = endpoint.retryNanoseconds ?? Self.defaultRetryNanoseconds
        self.health = health
        encoder.serviceName = endpoint.serviceName
    }

    public func sessionStarted(_ start: SessionStart) {
        encoder.host = start.host
        sender = OTLPSender(endpoint: endpoint, retryNanoseconds: retryNanoseconds, waitForRoom: start.isReplay)
    }

    public func emit(_ record: Record) {
        switch record {
        case .span(let span):
            encoder.appendSpan(span, to: spans.records(pid: span.pid, command: span.comm, container: span.container,
                                                         spare: spareBody, appendResource: appendResource))
            if spans.count >= Self.maxSpans { shipSpans() }
        case .line(let line):
            encoder.appendLine(line, to: logs.records(pid: line.pid, command: line.comm, container: line.container,
                                                      spare: spareBody, appendResource: appendResource))
            if logs.count >= Self.maxLogs { shipLogs() }
        case .alert(let alert):
            encoder.appendAlert(alert, to: logs.records(pid: alert.span.pid, command: alert.span.comm,
                                                        container: alert.span.container, spare: spareBody,
                                                        appendResource: appendResource))
            if logs.count >= Self.maxLogs { shipLogs() }
        case .warning, .stats, .summary:
            return
        }
        if waitingSince == nil { waitingSince = MonotonicClock.now() }
    }

    public func flush() {
        if let since = waitingSince, MonotonicClock.now() - since >= Self.maxDelay {
            shipSpans()
            shipLogs()
        }
        collect()
    }

    public func settle() {
        guard !settled else { return }
        settled = true
        shipSpans()
        shipLogs()
        sender?.drain(deadline: MonotonicClock.now() + retryNanoseconds)
        collect()
    }

    public func finish() {
        settle()
        sender?.stop()
        collect()
    }

    public var counters: [(name: String, value: Int)] {
        [("exported_spans", delivery.exportedSpans), ("exported_logs", delivery.exportedLogs),
         ("dropped_spans", delivery.droppedSpans), ("dropped_logs", delivery.droppedLogs),
         ("retries", delivery.retries), ("failed_requests", delivery.failedRequests)]
    }

    private func spareBody() -> ByteBuffer? { sender?.spareBody() }

    private func appendResource(_ resource: OTLPRequestBuilder.Resource, _ buffer: ByteBuffer) {
        encoder.appendResource(resource, to: buffer)
    }

    private func shipSpans() {
        let count = spans.count
        guard let body = spans.request(appendResource: appendResource) else { return }
        send(OTLPBatch(signal: .traces, body: body, spans: count))
        if logs.count == 0 { waitingSince = nil }
    }

    private func shipLogs() {
        let count = logs.count
        guard let body = logs.request(appendResource: appendResource) else { return }
        send(OTLPBatch(signal: .logs, body: body, logs: count))
        if spans.count == 0 { waitingSince = nil }
    }

    private func send(_ batch: OTLPBatch) {
        if sender == nil {
            // Records before the session said where they come from: a live session's defaults.
            sender = OTLPSender(endpoint: endpoint, retryNanoseconds: retryNanoseconds, waitForRoom: false)
        }
        sender?.enqueue(batch)
        collect()
    }

    /// Moves the sender's counts and problems into this output's counters and health (the
    /// session's thread owns those).
    private func collect() {
        guard let sender else { return }
        let (latest, problems) = sender.take()
        let newlyDropped = latest.droppedBatches - delivery.droppedBatches
        let newlyLostBytes = latest.droppedBytes - delivery.droppedBytes
        delivery = latest
        for problem in problems { health.notice(problem) }
        if newlyDropped > 0 { health.countLost(writes: newlyDropped, bytes: newlyLostBytes) }
    }
}
