#if canImport(Glibc)
import Glibc
#endif
import CSpanlogJournal
import SpanlogCore

/// The journald output: each line, alert and warning (and span end, if asked) becomes a
/// structured entry. An entry about a traced process goes over journald's native socket with
/// that process's credentials, so journald records it (`_PID`, `_COMM`, `_SYSTEMD_UNIT` …) as
/// the writer, the way `journalctl` then shows it; once that process is gone, or for entries too
/// big for one datagram, `sd_journal_sendv` sends it as spanlog's, with the writer in
/// `SYSLOG_PID` and `OBJECT_PID`. When journald is not there, entries wait in
/// a bounded buffer and are delivered, in order, once it is back; what the buffer cannot hold
/// is counted. Never blocks the pipeline: a send is one datagram (or a memfd for big entries).
public final class JournalOutput: RecordSink {
    public struct Options: Sendable {
        /// Also send span ends (`--journald-spans`).
        public var includeSpans = false
        /// Send entries with their writer's credentials (needs CAP_SYS_ADMIN; spanlog has it).
        public var sendAsWriter = true

        public init(includeSpans: Bool = false) {
            self.includeSpans = includeSpans
        }
    }

    /// Entries kept while journald is away; beyond it the oldest are dropped and counted as the
    /// output's lost writes.
    static let waitingLimit = 10_000
    /// journald's native socket (sd_journal_sendv's too).
    static let socketPath = "/run/systemd/journal/socket"

    public let health: OutputHealth
    private let options: Options
    private let builder: JournalEntryBuilder
    private var waiting: [JournalEntry] = []
    private var waitingHead = 0
    private var available = true
    private var nextProbe: UInt64 = 0
    /// Entries journald recorded as their writer's, and those sent as spanlog's because the
    /// writer had exited, the entry needed a memfd, or the credentials were refused.
    public private(set) var sentAsWriter = 0
    public private(set) var sentAsSpanlog = 0
    /// The socket for sends with credentials; -1 until the first, or when they cannot work.
    private var credentialSocket: Int32 = -1
    private var credentialsRefused = false

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

    public var counters: [(name: String, value: Int)] {
        [("sent_as_writer", sentAsWriter), ("sent_as_spanlog", sentAsSpanlog)]
    }

    deinit {
        if credentialSocket >= 0 { close(credentialSocket) }
    }

    /// Before the final stats record: what still waits gets one last try, and what journald does
    /// not take is counted lost now, so that the stats and the text view's last lines say so.
    public func settle() {
        finish()
    }

    public func finish() {
        if waiting.count > waitingHead {
            available = true  // one last try, whatever the last probe said
            drainWaiting()
        }
        let left = waiting.count - waitingHead
        if left > 0 {
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
        guard access(Self.socketPath, F_OK) == 0 else {
            markAway(because: "journald is not running (\(Self.socketPath) does not exist)")
            return false
        }
        var result = entry.writer.map { sendAsWriter(entry, pid: $0) } ?? -ESRCH
        if result == -ESRCH || result == -EMSGSIZE || result == -EPERM || result == -EINVAL {
            result = entry.withIOVecs { vectors in sd_journal_sendv(vectors.baseAddress, Int32(vectors.count)) }
            if result >= 0, entry.writer != nil { sentAsSpanlog += 1 }
        } else if result >= 0 {
            sentAsWriter += 1
        }
        switch -result {
        case ...0:
            return true
        case EAGAIN, ENOBUFS:
            // journald runs but its socket queue is full: hold it, try again shortly.
            markAway(because: "journald is not keeping up (its socket queue is full: \(String(cString: strerror(-result))))",
                     advice: "raise its queue (sysctl net.unix.max_dgram_qlen) or its rate limit (docs/journald.md)")
            return false
        case ECONNREFUSED, ENOENT, ECONNRESET, ENOTCONN:
            // Nobody listens: hold it, try again later.
            markAway(because: "journald does not accept entries (\(String(cString: strerror(-result))))")
            return false
        default:
            // This entry, not journald: count it lost and go on.
            health.record(.writeFailed("an entry was refused (\(String(cString: strerror(-result))))"), lostBytes: entry.bytes.count)
            return true
        }
    }

    /// Sends `entry` as process `pid`; -ESRCH (or -EPERM) when it must go as spanlog's.
    private func sendAsWriter(_ entry: JournalEntry, pid: Int32) -> Int32 {
        guard options.sendAsWriter, !credentialsRefused else { return -ESRCH }
        if credentialSocket < 0 {
            credentialSocket = sl_journal_socket()
            guard credentialSocket >= 0 else {
                credentialsRefused = true
                return -ESRCH
            }
        }
        let result = entry.withIOVecs { vectors in
            sl_journal_send_as(credentialSocket, Self.socketPath, vectors.baseAddress, Int32(vectors.count), pid)
        }
        // Without the capabilities no entry can go as its writer's: stop trying.
        if result == -EPERM { credentialsRefused = true }
        return result
    }

    private func markAway(because reason: String, advice: String = "start systemd-journald") {
        if available {
            health.notice(.unavailable("\(reason); entries wait (up to \(Self.waitingLimit)) and are delivered when it takes them — \(advice)"))
        }
        available = false
        nextProbe = MonotonicClock.now() + 100_000_000
    }

    /// Whether journald may be back; looks at most every 100 ms while it is away.
    private func probe() -> Bool {
        if available { return true }
        let now = MonotonicClock.now()
        guard now >= nextProbe else { return false }
        nextProbe = now + 100_000_000
        available = access(Self.socketPath, F_OK) == 0
        return available
    }

    private func drainWaiting() {
        while waitingHead < waiting.count {
            guard send(waiting[waitingHead]) else { return }
            waitingHead += 1
        }
        waiting.removeAll(keepingCapacity: true)
        waitingHead = 0
    }

    private func hold(_ entry: JournalEntry) {
        if waiting.count - waitingHead >= Self.waitingLimit {
            health.countLost(writes: 1, bytes: waiting[waitingHead].bytes.count)
            waitingHead += 1
            if waitingHead > 4096 {
                waiting.removeFirst(waitingHead)
                waitingHead = 0
            }
        }
        waiting.append(entry)
    }
}
