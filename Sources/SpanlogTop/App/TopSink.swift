import Foundation
import SpanlogCore

/// The session's output for `top`: hands each record to the model under a lock, which the screen
/// takes to read it. On a capture it stops at `limit` (stepping through the capture), and it
/// tells the session to stop once the screen has quit.
public final class TopSink: RecordSink, @unchecked Sendable {
    private let lock = NSLock()
    private var model: TopModel
    let health = OutputHealth()
    /// Capture time past which records are not taken (a step through a capture); nil: all.
    let limit: Int64?
    private var quitRequested = false
    private(set) var reachedLimit = false

    public init(model: TopModel, limit: Int64? = nil) {
        self.model = model
        self.limit = limit
    }

    /// Runs `body` with the model while no record can change it.
    public func read<Result>(_ body: (TopModel) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(model)
    }

    public func emit(_ record: Record) {
        if let limit, !reachedLimit, Self.time(of: record).map({ $0 > limit }) ?? false {
            // Records come in time order: everything from here on is past the step, and the
            // session stops reading the capture.
            reachedLimit = true
            health.record(.closed, lostBytes: 0)
            // The views show the capture as it stood at the step: rates and the spectrogram
            // run to it.
            lock.lock()
            model.advance(to: limit)
            lock.unlock()
        }
        if reachedLimit { return }
        lock.lock()
        model.ingest(record)
        let stop = quitRequested
        lock.unlock()
        if stop && !health.isGone { health.record(.closed, lostBytes: 0) }
    }

    /// Called on the session's thread every turn of a live session's poll loop.
    func liveTick(stats: EngineStats, now: Int64) {
        lock.lock()
        model.stats = stats
        model.advance(to: now)
        let stop = quitRequested
        lock.unlock()
        // The session stops once no output is left (and a command is stopped as on Ctrl-C).
        if stop && !health.isGone { health.record(.closed, lostBytes: 0) }
    }

    /// Asks the session to end; it does at its next record or poll.
    func requestQuit() {
        lock.lock()
        quitRequested = true
        lock.unlock()
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
