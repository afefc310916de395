#if canImport(Glibc)
import Glibc
#endif
import CSpanlogProcess

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

    /// Whether a SIGHUP arrived since the last call.
    static func takeReloadRequest() -> Bool {
        sl_take_hangups() > 0
    }
}
