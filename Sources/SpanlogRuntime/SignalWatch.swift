#if canImport(Glibc)
import Glibc
#endif
import CSpanlogProcess

/// SIGINT, SIGTERM and SIGHUP only set a flag that the poll loop reads; a closed output pipe
/// is an error on the write (EPIPE), not a signal that kills spanlog.
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
}
