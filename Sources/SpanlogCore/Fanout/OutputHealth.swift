/// What went wrong with one output, kept by the writer that saw it and read by the fan-out, the
/// session (to report it once) and the stats record. One output failing never touches another.
public final class OutputHealth {
    public enum Failure: Equatable, Sendable {
        /// The reader closed the pipe or socket (EPIPE): nothing written here can be read again.
        case closed
        /// A write failed (disk full, I/O error); later writes are still tried.
        case writeFailed(String)
        /// The output could not deliver for a reason of its own (journald gone, …).
        case unavailable(String)
    }

    /// The first failure, kept so that it is reported once.
    public private(set) var firstFailure: Failure?
    /// Writes (or entries) that did not reach the destination, and their bytes.
    public private(set) var failedWrites = 0
    public private(set) var lostBytes = 0
    /// Set once the destination can take nothing more; the fan-out stops rendering for it.
    public private(set) var isGone = false

    /// Told of every failure; the fan-out uses it to look at health only when it changed.
    var onFailure: (() -> Void)?

    public init() {}

    public func record(_ failure: Failure, lostBytes bytes: Int) {
        if firstFailure == nil { firstFailure = failure }
        onFailure?()
        failedWrites += 1
        lostBytes += bytes
        if failure == .closed { isGone = true }
    }

    /// A problem that has lost nothing yet (entries held back to be delivered later): reported
    /// like a failure, counted only if what is held back is finally lost (`countLost`).
    public func notice(_ failure: Failure) {
        if firstFailure == nil { firstFailure = failure }
        onFailure?()
    }

    public func countLost(writes: Int, bytes: Int) {
        failedWrites += writes
        lostBytes += bytes
    }

    public var hasFailed: Bool { firstFailure != nil }
}
