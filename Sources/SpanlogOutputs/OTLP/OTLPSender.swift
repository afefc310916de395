#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore

/// One request's worth of an OTLP output: its encoded body and what it carries.
struct OTLPBatch {
    enum Signal { case traces, logs }
    var signal: Signal
    /// The request's body: the session's thread fills it, then only the sending thread touches it.
    var body: ByteBuffer
    var spans = 0
    var logs = 0
}

/// What happened to the batches, for the output's counters and its health.
struct OTLPDelivery {
    var exportedSpans = 0
    var exportedLogs = 0
    var droppedSpans = 0
    var droppedLogs = 0
    var droppedBatches = 0
    var droppedBytes = 0
    var retries = 0
    var failedRequests = 0
}

/// Sends an OTLP output's batches on a thread of its own, in order, one request at a time, so
/// that a slow or absent receiver never holds up the session. The queue is bounded: when it is
/// full a live session drops its oldest batch (counted), while a replay waits for room as long
/// as the receiver is taking batches (it loses nothing by waiting). A batch the receiver cannot take for now (no connection, 5xx,
/// 408, 429) is tried again with growing pauses until its retry time is spent; one it refuses
/// (other 4xx) is dropped at once. Everything dropped is counted, with the reason.
final class OTLPSender: @unchecked Sendable {
    private let endpoint: OTLPEndpoint
    private let retryNanoseconds: UInt64
    private let waitForRoom: Bool
    static let maxQueuedBatches = 64

    // Shared with the sending thread, under `lock`.
    // Allocated: a mutex must not move, and a Swift property's address is not promised to stay.
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var queue: [OTLPBatch] = []
    private var queueHead = 0
    private var sending = false
    private var stopping = false
    private var delivery = OTLPDelivery()
    private var problems: [OutputHealth.Failure] = []
    private var reportedUnreachable = false
    /// Bodies sent, emptied, for the next requests: a request is most of a megabyte, and fresh
    /// memory of that size costs a page fault per page every time.
    private var spareBodies: [ByteBuffer] = []
    /// Set by `drain`: no batch is tried or retried past it.
    private var deadline: UInt64 = .max
    private var thread: pthread_t?

    init(endpoint: OTLPEndpoint, retryNanoseconds: UInt64, waitForRoom: Bool) {
        self.endpoint = endpoint
        self.retryNanoseconds = retryNanoseconds
        self.waitForRoom = waitForRoom
        pthread_mutex_init(lock, nil)
        // Timed waits count on the monotonic clock, as every deadline here does.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(changed, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        stop()
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(lock)
        changed.deallocate()
        lock.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return body()
    }

    private var queued: Int { queue.count - queueHead }

    func enqueue(_ batch: OTLPBatch) {
        startIfNeeded()
        locked {
            while queued >= Self.maxQueuedBatches {
                // A replay waits while the receiver keeps up; not for one that is away.
                if waitForRoom && !stopping && !reportedUnreachable {
                    pthread_cond_wait(changed, lock)
                    continue
                }
                let oldest = queue[queueHead]
                queueHead += 1
                drop(oldest, reason: "the queue of \(Self.maxQueuedBatches) batches was full (the receiver is slower than the session)")
            }
            queue.append(batch)
            pthread_cond_broadcast(changed)
        }
    }

    /// Waits until every queued batch is delivered or dropped; none is tried or retried past
    /// `deadline` (monotonic nanoseconds), so each is counted one way or the other by then (or
    /// after the request in progress times out).
    func drain(deadline: UInt64) {
        locked {
            self.deadline = deadline
            pthread_cond_broadcast(changed)
            let limit = deadline + UInt64(HTTPPoster.connectTimeoutMilliseconds) * 1_000_000
                + UInt64(2 * HTTPPoster.ioTimeoutSeconds) * 1_000_000_000
            while (queued > 0 && thread != nil) || sending {
                let now = MonotonicClock.now()
                if now >= limit { break }
                let until = min(limit, now + 100_000_000)
                var wake = timespec(tv_sec: Int(until / 1_000_000_000), tv_nsec: Int(until % 1_000_000_000))
                pthread_cond_timedwait(changed, lock, &wake)
            }
            while queued > 0 {
                drop(queue[queueHead], reason: "still waiting to be delivered when spanlog stopped")
                queueHead += 1
            }
        }
    }

    func stop() {
        let running: pthread_t? = locked {
            stopping = true
            pthread_cond_broadcast(changed)
            let thread = self.thread
            self.thread = nil
            return thread
        }
        if let running { pthread_join(running, nil) }
    }

    /// An empty body with room from an earlier request, if one is spare.
    func spareBody() -> ByteBuffer? {
        locked { spareBodies.popLast() }
    }

    /// The counts so far, and the problems seen since the last call (for the output's health).
    func take() -> (delivery: OTLPDelivery, problems: [OutputHealth.Failure]) {
        locked {
            let seen = problems
            problems.removeAll()
            return (delivery, seen)
        }
    }

    /// Under `lock`.
    private func drop(_ batch: OTLPBatch, reason: String) {
        delivery.droppedSpans += batch.spans
        delivery.droppedLogs += batch.logs
        delivery.droppedBatches += 1
        delivery.droppedBytes += batch.body.count
        let what = batch.spans > 0 ? "\(batch.spans) spans" : "\(batch.logs) log records"
        problems.append(.writeFailed("\(what) lost: \(reason)"))
    }

    private func startIfNeeded() {
        let needed = locked { thread == nil && !stopping }
        guard needed else { return }
        var created = pthread_t()
        let box = Unmanaged.passRetained(self)
        let status = pthread_create(&created, nil, { argument in
            let sender = Unmanaged<OTLPSender>.fromOpaque(argument!).takeRetainedValue()
            sender.run()
            return nil
        }, box.toOpaque())
        if status != 0 {
            box.release()
            locked { problems.append(.unavailable("cannot start the sending thread: \(String(cString: strerror(status)))")) }
            return
        }
        locked { thread = created }
    }

    private func run() {
        let poster = HTTPPoster(host: endpoint.host, port: endpoint.port)
        while true {
            let next: OTLPBatch? = locked {
                while queued == 0 && !stopping { pthread_cond_wait(changed, lock) }
                guard queued > 0 else { return nil }
                let batch = queue[queueHead]
                queueHead += 1
                if queueHead > 32 && queueHead * 2 > queue.count {
                    queue.removeFirst(queueHead)
                    queueHead = 0
                }
                sending = true
                pthread_cond_broadcast(changed)
                return batch
            }
            guard let batch = next else { return }
            if locked({ MonotonicClock.now() >= deadline }) {
                locked { drop(batch, reason: "still waiting to be delivered when spanlog stopped") }
            } else {
                deliver(batch, with: poster)
            }
            batch.body.removeAll()
            locked { if spareBodies.count < 4 { spareBodies.append(batch.body) } }
            locked {
                sending = false
                pthread_cond_broadcast(changed)
            }
        }
    }

    private func deliver(_ batch: OTLPBatch, with poster: HTTPPoster) {
        let path = batch.signal == .traces ? endpoint.tracesPath : endpoint.logsPath
        let giveUp = MonotonicClock.now() + retryNanoseconds
        var pause: UInt64 = 100_000_000
        while true {
            let outcome = poster.post(path: path, contentType: "application/json", body: batch.body)
            var reason: String
            switch outcome {
            case .answered(let status, _) where (200..<300).contains(status):
                locked {
                    delivery.exportedSpans += batch.spans
                    delivery.exportedLogs += batch.logs
                    reportedUnreachable = false
                }
                return
            case .answered(let status, let body) where (400..<500).contains(status) && status != 408 && status != 429:
                locked {
                    delivery.failedRequests += 1
                    drop(batch, reason: "the receiver refused them (HTTP \(status)\(Self.excerpt(body)))")
                }
                return
            case .answered(let status, let body):
                reason = "HTTP \(status)\(Self.excerpt(body))"
            case .unreachable(let why):
                reason = why
            }
            let (stopNow, limit): (Bool, UInt64) = locked {
                delivery.failedRequests += 1
                if !reportedUnreachable {
                    reportedUnreachable = true
                    problems.append(.unavailable("the receiver at \(endpoint) cannot take them now (\(reason)); "
                        + "retrying each batch for up to \(retryNanoseconds / 1_000_000_000) s, then counting it lost"))
                }
                return (stopping, min(giveUp, deadline))
            }
            if stopNow || MonotonicClock.now() + pause >= limit {
                locked { drop(batch, reason: "the receiver could not take them for \(retryNanoseconds / 1_000_000_000) s (\(reason))") }
                return
            }
            var request = timespec(tv_sec: Int(pause / 1_000_000_000), tv_nsec: Int(pause % 1_000_000_000))
            var remaining = timespec()
            while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
            pause = min(pause * 2, 2_000_000_000)
            locked { delivery.retries += 1 }
        }
    }

    private static func excerpt(_ body: String) -> String {
        let text = body.prefix(120).filter { $0 != "\r" && $0 != "\n" }
        return text.isEmpty ? "" : ": \(text)"
    }
}
