import Foundation
import SpanlogCore
import SpanlogOutputs
import SpanlogRuntime

/// `spanlog top`: a session whose only output is the model, and the screen (or the batch
/// printout) that shows it.
public enum TopApp {
    /// Runs until the user quits (or, in batch mode, the session ends). Returns the traced
    /// command's exit status when there is one.
    public static func run(_ configuration: SessionConfiguration, options: TopOptions) throws(SessionError) -> Int32? {
        var configuration = configuration
        configuration.outputs = []
        Session.watchStopSignals()
        let environment = configuration.environment
        let isTerminal = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
        if options.batch {
            return try Batch(configuration: configuration, options: options).run()
        }
        // Where the screen cannot be drawn (TERM=dumb, a pipe), the table is printed instead, as
        // --batch prints it, and the user is told why.
        if let problem = FullScreen.problem(environment: environment, isTerminal: isTerminal) {
            var line = "spanlog top: \(problem); printing the span types table instead (--batch)\n"
            _ = line.withUTF8 { FileDescriptorIO.writeAll(STDERR_FILENO, UnsafeRawBufferPointer($0)) }
            return try Batch(configuration: configuration, options: options).run()
        }
        let color = TextViewStyle(color: options.color).usesColor(isTerminal: true, environment: environment)
        let terminal: FullScreen
        do {
            terminal = try FullScreen(color: color, environment: environment)
        } catch {
            throw SessionError(.usage, what: "spanlog top cannot use this terminal", why: error.description,
                               fix: "use --batch")
        }
        defer { terminal.stop() }
        configuration.reportsLateReloadsOnStderr = false
        let interactive = Interactive(configuration: configuration, options: options, terminal: terminal)
        return try interactive.run()
    }
}

/// The full screen: keys in, frames out, the session on its own thread.
private final class Interactive {
    let configuration: SessionConfiguration
    let options: TopOptions
    let terminal: FullScreen
    let screen: TopScreen
    /// The session whose model is shown, and a replay to the next step while it reads.
    var shown: SessionRun
    var stepping: SessionRun?
    var isCapture: Bool
    var endNoted = false
    /// Whether a session has ended well before: a failure after that is shown, not thrown.
    var hasEnded = false

    init(configuration: SessionConfiguration, options: TopOptions, terminal: FullScreen) {
        self.configuration = configuration
        self.options = options
        self.terminal = terminal
        screen = TopScreen(source: options.source, glyphs: terminal.glyphs)
        if case .capture = configuration.source { isCapture = true } else { isCapture = false }
        shown = SessionRun(configuration, sink: TopSink(model: TopModel(limits: options.limits)))
        if isCapture { screen.capture = .init(start: 0, end: 0, cursor: 0, step: options.step, loading: true) }
    }

    func run() throws(SessionError) -> Int32? {
        var nextRefresh = DispatchTime.now().uptimeNanoseconds
        var dirty = true
        while Session.pendingStopSignal == nil {
            if let result = shown.finished, !endNoted {
                endNoted = true
                // A session that could not start (privileges, a broken rule file) ends top with its
                // error. A damaged capture's records before the damage are shown, the damage on
                // the title bar, as is a later step's failure.
                if case .failure(let error) = result, !hasEnded, error.kind != .damagedCapture { throw error }
                hasEnded = true
                if isCapture, var capture = screen.capture, capture.loading {
                    shown.sink.read { model in
                        capture.start = model.firstTime ?? model.now
                        if capture.end == 0 { capture.end = model.now }
                        capture.cursor = shown.sink.limit ?? capture.end
                    }
                    capture.loading = false
                    screen.capture = capture
                }
                dirty = true
                nextRefresh = 0
            }
            if let next = stepping, next.finished != nil {
                shown = next
                stepping = nil
                endNoted = false
                continue
            }
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= nextRefresh {
                if !screen.paused { refresh() }
                dirty = true
                nextRefresh = now + UInt64(options.refreshInterval)
            }
            if dirty {
                draw()
                dirty = false
            }
            let wait = Int(min(100, (nextRefresh - min(nextRefresh, DispatchTime.now().uptimeNanoseconds)) / 1_000_000))
            guard let key = terminal.readKey(milliseconds: wait) else { continue }
            switch screen.handle(key, model: { body in shown.sink.read(body) }) {
            case .none: continue
            case .quit: return try quit()
            case .redraw: dirty = true
            case .refresh:
                refresh()
                dirty = true
            case .redrawAll:
                terminal.invalidate()
                refresh()
                dirty = true
            case .step(let delta):
                step(by: delta)
                dirty = true
            }
        }
        return try quit()
    }

    private func refresh() {
        let size = terminal.size
        screen.rows = size.rows
        screen.columns = size.columns
        shown.sink.read { screen.refresh($0) }
    }

    private func draw() {
        let size = terminal.size
        if size.rows != screen.rows || size.columns != screen.columns { refresh() }
        terminal.draw(screen.frame())
    }

    /// Replays the capture again up to the new cursor: the views show it as it stood then.
    private func step(by delta: Int64) {
        guard var capture = screen.capture, stepping == nil else { return }
        capture.cursor = delta == 0 ? capture.end : max(capture.start, min(capture.end, capture.cursor + delta))
        capture.loading = true
        screen.capture = capture
        let limit = capture.cursor >= capture.end ? nil : capture.cursor
        stepping = SessionRun(configuration, sink: TopSink(model: TopModel(limits: options.limits), limit: limit))
    }

    /// Restores the terminal, stops the session (a command is stopped as on Ctrl-C) and hands
    /// on how it ended.
    private func quit() throws(SessionError) -> Int32? {
        terminal.stop()
        // Quitting with the command still running is what the user asked for: status 0, not
        // the status of the stop it caused. A stop signal sent to spanlog is passed on, and
        // the command's status tells how it ended, as with `run`.
        let userStoppedCommand = shown.finished == nil && Session.pendingStopSignal == nil
        stepping?.sink.requestQuit()
        shown.sink.requestQuit()
        stepping?.wait()
        shown.wait()
        switch shown.finished {
        case .failure(let error)?: throw error
        case .success(let outcome)?: return userStoppedCommand ? nil : outcome.commandStatus
        case nil: return nil
        }
    }
}
