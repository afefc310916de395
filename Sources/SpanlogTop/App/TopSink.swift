#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore

/// The session's output for `top`: hands each record to the model under a lock, which the screen
/// takes to read it. On a capture it stops at `limit` (stepping through the capture), and it
/// tells the session to stop once the screen has quit.
public final class TopSink: RecordSink, @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var model: TopModel
    let health = OutputHealth()
    /// Capture time past which records are not taken (a step through a capture); nil: all.
    let limit: Int64?
    private var quitRequested = false
    private(set) var reachedLimit = false

    public init(model: TopModel, limit: Int64? = nil) {
        self.model = model
        self.limit = limit
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    /// Runs `body` with the model while no record can change it.
    public func read<Result>(_ body: (TopModel) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body(model)
    }

    public func emit(_ record: Record) {
        if let limit, !reachedLimit, Self.time(of: record).map({ $0 > limit }) ?? false {
            // Records come in time order: everything from here on is past the step. The final
            // stats record still counts.
            reachedLimit = true
            health.record(.closed, lostBytes: 0)
            // The views show the capture as it stood at the step: rates and the spectrogram
            // run to it.
            pthread_mutex_lock(&mutex)
            model.advance(to: limit)
            pthread_mutex_unlock(&mutex)
        }
        if reachedLimit, !record.isStatsRecord { return }
        pthread_mutex_lock(&mutex)
        model.ingest(record)
        let stop = quitRequested
        pthread_mutex_unlock(&mutex)
        if stop && !health.isGone { health.record(.closed, lostBytes: 0) }
    }

    /// Called on the session's thread every turn of a live session's poll loop.
    func liveTick(stats: EngineStats, now: Int64) {
        pthread_mutex_lock(&mutex)
        model.stats = stats
        model.advance(to: now)
        let stop = quitRequested
        pthread_mutex_unlock(&mutex)
        // The session stops once no output is left (and a command is stopped as on Ctrl-C).
        if stop && !health.isGone { health.record(.closed, lostBytes: 0) }
    }

    /// Asks the session to end; it does at its next record or poll.
    func requestQuit() {
        pthread_mutex_lock(&mutex)
        quitRequested = true
        pthread_mutex_unlock(&mutex)
    }

    public func flush() {}
    public func finish() {}

    private static func time(of record: Record) -> Int64? {
        switch record {
        case .line(let line): line.timestamp
        case .span(let span): span.end
        case .alert(let alert): alert.timestamp
        default: nil
        }
    }
}

extension Record {
    var isStatsRecord: Bool {
        if case .stats = self { return true }
        return false
    }
}
