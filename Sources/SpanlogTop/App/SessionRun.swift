import Foundation
import SpanlogCore
import SpanlogRuntime

/// One session on a thread of its own, feeding a `TopSink`, while the screen runs on the main
/// thread.
final class SessionRun: @unchecked Sendable {
    let sink: TopSink
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<SessionOutcome, SessionError>?
    private let configuration: SessionConfiguration

    init(_ configuration: SessionConfiguration, sink: TopSink) {
        self.sink = sink
        var configuration = configuration
        configuration.extraOutputs.append(OutputChannel(name: "top", sink: sink, health: sink.health))
        configuration.onLiveTick = { [sink] stats, now in sink.liveTick(stats: stats, now: now) }
        self.configuration = configuration
        let thread = Thread { [self] in
            let session = Session(self.configuration) { [sink] notice in
                if let text = Self.describe(notice) { sink.read { $0.note(text) } }
            }
            let result: Result<SessionOutcome, SessionError>
            do throws(SessionError) {
                result = .success(try session.run())
            } catch {
                result = .failure(error)
            }
            sink.read { model in
                model.ended = Self.ending(result)
                if case .failure(let error) = result { model.note(error.description) }
            }
            lock.lock()
            self.result = result
            lock.unlock()
            done.signal()
        }
        // The engine and the outputs run here: give them the stack the main thread has.
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// The session's end, once it has ended.
    var finished: Result<SessionOutcome, SessionError>? {
        lock.lock()
        defer { lock.unlock() }
        return result
    }

    /// Waits for the end; at most `seconds` when given. Returns whether it ended.
    @discardableResult
    func wait(seconds: Double? = nil) -> Bool {
        guard finished == nil else { return true }
        if let seconds { return done.wait(timeout: .now() + seconds) == .success }
        done.wait()
        return true
    }

    private static func describe(_ notice: SessionNotice) -> String? {
        switch notice {
        case .capturing(let what): "capturing \(what)"
        case .outputFailed(let name, let reason, _): "output \(name) failed: \(reason)"
        case .collectorLoss(let message): message
        case .rulesLoaded(_, let warnings): warnings.last
        case .rulesReloaded(let count, _): "rules reloaded (\(Wording.count(count, "rule")))"
        case .rulesNotReloaded(let errors): "the new rules were not loaded (\(Wording.count(errors.count, "problem"))); the previous rules keep running"
        case .reloadAfterLastEvent: SessionNotice.reloadAfterLastEventText
        case .waitingForTargets(let notice): notice
        case .likelyMistake(let message): message
        }
    }

    private static func ending(_ result: Result<SessionOutcome, SessionError>) -> String {
        switch result {
        case .failure(let error): return SessionStatus.failurePrefix + "\(error)"
        case .success(let outcome):
            guard let status = outcome.commandStatus else { return "ended" }
            if status > 128 { return "command ended by signal \(status - 128)" }
            return "command exited with status \(status)"
        }
    }
}
