#if canImport(Glibc)
import Glibc
#endif
import CSpanlogJournal
import SpanlogCore

/// The journald output: each line, alert and warning (and span end, if asked) becomes a
/// structured entry sent with `sd_journal_sendv`. When journald is not there, entries wait in
/// a bounded buffer and are delivered, in order, once it is back; what the buffer cannot hold
/// is counted. Never blocks the pipeline: a send is one datagram (or a memfd for big entries).
public final class JournalOutput: RecordSink {
    public struct Options: Sendable {
        /// Also send span ends (`--journald-spans`).
        public var includeSpans = false
        /// Entries kept while journald is away; beyond it the oldest are dropped and counted.
        public var bufferLimit = 10_000
        /// journald's native socket.
        public var socketPath = "/run/systemd/journal/socket"

        public init(includeSpans: Bool = false) {
            self.includeSpans = includeSpans
        }
    }

    public let health: OutputHealth
    private let options: Options
    private let builder: JournalEntryBuilder
    private var waiting: [JournalEntry] = []
    private var waitingHead = 0
    private var available = true
    private var nextProbe: UInt64 = 0
    /// Entries delivered, delivered after waiting, and dropped (buffer full, or still waiting at the end).
    public private(set) var delivered = 0
    public private(set) var deliveredLate = 0
    public private(set) var dropped = 0

    public init(options: Options = Options(), health: OutputHealth = OutputHealth()) {
        self.options = options
        self.health = health
        builder = JournalEntryBuilder(includeSpans: options.includeSpans)
    }

    public func emit(_ record: Record) {
        guard let entry = builder.entry(for: record) else { return }
        if !available || waiting.count > waitingHead {
            if probe() { drainWaiting() }
            if !available || waiting.count > waitingHead {
                hold(entry)
                return
            }
        }
        if !send(entry) { hold(entry) }
    }

    public func flush() {
        if waiting.count > waitingHead, probe() { drainWaiting() }
    }

    public func finish() {
        if waiting.count > waitingHead {
            available = true  // one last try, whatever the last probe said
            drainWaiting()
        }
        let left = waiting.count - waitingHead
        if left > 0 {
            dropped += left
            health.countLost(writes: left, bytes: waiting[waitingHead...].reduce(0) { $0 + $1.bytes.count })
            waiting.removeAll()
            waitingHead = 0
        }
    }

    // MARK: Delivery

    /// Sends one entry; false (and journald marked away) when it should be sent again later.
    private func send(_ entry: JournalEntry) -> Bool {
        // sd_journal_sendv returns 0 when the socket does not exist at all, as if the entry had
        // been delivered: look for the socket first, so that "sent" means sent.
        guard access(options.socketPath, F_OK) == 0 else {
            markAway(because: "journald is not running (\(options.socketPath) does not exist)")
            return false
        }
        let result = entry.withIOVecs { vectors in sd_journal_sendv(vectors.baseAddress, Int32(vectors.count)) }
        switch -result {
        case ...0:
            delivered += 1
            return true
        case ECONNREFUSED, ENOENT, ECONNRESET, ENOTCONN, EAGAIN, ENOBUFS:
            // Nobody listens, or journald cannot keep up: hold it, try again later.
            markAway(because: "journald does not accept entries (\(String(cString: strerror(-result))))")
            return false
        default:
            // This entry, not journald: count it lost and go on.
            dropped += 1
            health.record(.writeFailed("an entry was refused (\(String(cString: strerror(-result))))"), lostBytes: entry.bytes.count)
            return true
        }
    }

    private func markAway(because reason: String) {
        if available {
            health.notice(.unavailable("\(reason); entries wait (up to \(options.bufferLimit)) and are delivered when it is back — start systemd-journald"))
        }
        available = false
        nextProbe = Self.now() + 100_000_000
    }

    /// Whether journald may be back; looks at most every 100 ms while it is away.
    private func probe() -> Bool {
        if available { return true }
        let now = Self.now()
        guard now >= nextProbe else { return false }
        nextProbe = now + 100_000_000
        available = access(options.socketPath, F_OK) == 0
        return available
    }

    private func drainWaiting() {
        while waitingHead < waiting.count {
            guard send(waiting[waitingHead]) else { return }
            deliveredLate += 1
            waitingHead += 1
        }
        waiting.removeAll(keepingCapacity: true)
        waitingHead = 0
    }

    private func hold(_ entry: JournalEntry) {
        if waiting.count - waitingHead >= options.bufferLimit {
            dropped += 1
            health.countLost(writes: 1, bytes: waiting[waitingHead].bytes.count)
            waitingHead += 1
            if waitingHead > 4096 {
                waiting.removeFirst(waitingHead)
                waitingHead = 0
            }
        }
        waiting.append(entry)
    }

    private static func now() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
