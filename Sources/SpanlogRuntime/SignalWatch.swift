#if canImport(Glibc)
import Glibc
#endif
import CSpanlogProcess
import SpanlogCollector

/// SIGINT and SIGTERM only set a flag that the poll loop reads; SIGHUP asks for a reload; a
/// closed output pipe is an error on the write (EPIPE), not a signal that kills spanlog.
enum SignalWatch {
    /// Starts watching; signals are also passed on to `forwardTo` (the traced command) when set.
    static func install(forwardTo pid: Int32?) {
        sl_install_signal_handlers(pid ?? 0)
    }

    static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// The last signal received, or nil.
    static var pending: Int32? {
        let number = sl_pending_signal()
        return number == 0 ? nil : number
    }

    /// The SIGHUPs that arrived since the last call, and the kernel clock's time when the
    /// first of them did; nil when none did.
    static func takeReloadRequest() -> ReloadRequest? {
        var first: UInt64 = 0
        let count = sl_take_hangups(&first)
        // No moment when a SIGHUP landed between the handler's two steps: it came just now.
        return count > 0 ? ReloadRequest(monotonic: first != 0 ? first : KernelClock.now()) : nil
    }
}

extension SignalWatch {
    /// Ends taking SIGHUPs (the session judged its last event): gives the count of those that
    /// came since the last take; a later one is reported by the handler, on stderr when
    /// `reportOnStderr`, so every SIGHUP is either taken or reported.
    static func closeReloadRequests(reportOnStderr: Bool) -> Int {
        guard reportOnStderr else { return Int(sl_close_hangups(nil)) }
        return Int(sl_close_hangups("spanlog: \(SessionNotice.reloadAfterLastEventText)\n"))
    }
}

/// SIGHUPs taken together by one poll: one reload, in force from the first one's moment.
struct ReloadRequest {
    /// CLOCK_MONOTONIC nanoseconds, the clock of the kernel's event timestamps.
    var monotonic: UInt64
}
