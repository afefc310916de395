#if canImport(Glibc)
import Glibc
#endif
import SpanlogAnalytics
import SpanlogCollector
import SpanlogCore
import SpanlogOutputs
import SpanlogJournal
import SpanlogRules

/// One tracing session: a source (the live collector, or a capture file) → the engine → every
/// output, plus the capture file when recording. Owns the poll loop, signals and the child
/// process. Never prints and never exits: it reports through `notify` and returns or throws.
public final class Session {
    public let configuration: SessionConfiguration
    private let notify: (SessionNotice) -> Void
    private var fanout: RecordFanout?
    private var rules: RuleEvaluator?
    /// Added to the kernel's monotonic clock for wall-clock time (live sessions).
    private var wallOffset: Int64 = 0

    public init(_ configuration: SessionConfiguration, notify: @escaping (SessionNotice) -> Void = { _ in }) {
        self.configuration = configuration
        self.notify = notify
    }

    /// Runs the session to its end: the capture's last event, the command's exit, or a signal.
    public func run() throws(SessionError) -> SessionOutcome {
        SignalWatch.ignoreBrokenPipes()
        // Rules first: a broken rule file stops the session before any output file is created.
        let producesRecords = !configuration.outputs.isEmpty || !configuration.extraOutputs.isEmpty
        var processors: [RecordProcessor] = []
        if let selection = configuration.rules, producesRecords {
            let ruleSet = try Self.loadRules(selection)
            notify(.rulesLoaded(count: ruleSet.rules.count, warnings: ruleSet.warnings.map(\.description)))
            // A live session reloads on SIGHUP, so its rules keep their stage even when none are loaded yet.
            let evaluator = RuleEvaluator(ruleSet, reloadable: configuration.source.isLive)
            rules = evaluator
            processors.append(evaluator)
        }
        // After the rules, which see every span; before the summary, which sums what is shown.
        if let filter = configuration.filter, producesRecords { processors.append(SpanFilter(filter)) }
        if let summary = configuration.summary, producesRecords {
            processors.append(SummaryProcessor(every: summary.every, histograms: summary.histograms,
                                               summariesOnly: summary.summariesOnly))
        }
        var journal = JournalOutput.Options(includeSpans: configuration.journaldSpans)
        // A capture's pids are history: whoever holds them now did not write its lines.
        if case .capture = configuration.source { journal.sendAsWriter = false }
        let channels: [OutputChannel]
        do {
            channels = try OutputFactory.channels(for: configuration.outputs, style: configuration.textStyle,
                                                  journal: journal, environment: configuration.environment)
                + configuration.extraOutputs
        } catch {
            throw SessionError(error)
        }
        if !channels.isEmpty {
            fanout = RecordFanout(channels: channels, processors: processors) { [notify] channel in
                guard let failure = channel.health.firstFailure else { return }
                switch failure {
                case .closed where channel.isStandardOutput:
                    return  // a reader that stopped reading (`| head`): not an error
                case .closed:
                    notify(.outputFailed(name: channel.name, reason: "its reader closed it",
                                         othersContinue: Self.othersWork(besides: channel, in: channels)))
                case .writeFailed(let reason), .unavailable(let reason):
                    notify(.outputFailed(name: channel.name, reason: reason,
                                         othersContinue: Self.othersWork(besides: channel, in: channels)))
                }
            }
        }
        switch configuration.source {
        case .capture(let path):
            return try replay(path)
        case .command(let command, let usePty):
            return try live(command: command, usePty: usePty, targets: nil)
        case .targets(let targets):
            return try live(command: nil, usePty: false, targets: targets)
        }
    }

    private static func loadRules(_ selection: RuleSelection) throws(SessionError) -> RuleSet {
        do {
            return try selection.load()
        } catch {
            let errors = error.errors
            throw SessionError(.rules, what: "cannot load rules",
                               why: "\(errors.count) error\(errors.count == 1 ? "" : "s") in rule files",
                               fix: selection.fixAdvice,
                               details: error.diagnostics.map(\.description))
        }
    }

    /// SIGHUP: loads the rules again; a broken set is reported and the running one kept. The new
    /// set judges the events from the moment the signal arrived, on the kernel's clock: spans
    /// that ended and lines written before it, still on their way, keep the rules then in force.
    private func reloadRules(_ request: ReloadRequest, _ engine: Engine?) {
        guard let evaluator = rules, let current = configuration.rules else { return }
        let moment = wallOffset + Int64(request.monotonic)
        let problems: [String]
        let summary: String
        do {
            let selection = try configuration.reloadRules?() ?? current
            let ruleSet = try Self.loadRules(selection)
            evaluator.replace(ruleSet, from: moment)
            notify(.rulesReloaded(count: ruleSet.rules.count, warnings: ruleSet.warnings.map(\.description)))
            return
        } catch {
            problems = error.details.isEmpty ? ["\(error)"] : error.details
            summary = "\(error)"
        }
        notify(.rulesNotReloaded(errors: problems))
        engine?.outputs.emit(.warning(WarningRecord(
            timestamp: moment, kind: .rulesNotReloaded,
            message: "\(summary); the previous rules keep running",
            details: [("first_error", .string(problems.first ?? summary))])))
    }

    private func makeEngine(offset: Int64, session: UInt32) -> Engine? {
        guard let fanout else { return nil }
        var engine = configuration.engine
        engine.monotonicToWallOffset = offset
        engine.session = session
        if fanout.wantsPreviews { engine.partialLinePreviewDelay = Self.partialLinePreviewDelay }
        let made = Engine(configuration: engine, outputs: fanout)
        // Said on stderr whatever the outputs are; the warning record goes to them as well.
        made.onLikelyMistake = { [notify] message in notify(.likelyMistake(message)) }
        return made
    }

    private var outputsGone: Bool { fanout?.allGone ?? false }

    /// Whether another output still takes records when `channel` fails.
    private static func othersWork(besides channel: OutputChannel, in channels: [OutputChannel]) -> Bool {
        channels.contains { $0 !== channel && !$0.health.hasFailed }
    }

    private func outcome(_ engine: Engine?) -> SessionOutcome {
        var outcome = SessionOutcome()
        outcome.stats = engine?.stats
        outcome.outputs = fanout?.channels.map(\.status) ?? []
        outcome.everyOutputFailed = Self.everyOutputFailed(fanout?.channels ?? [])
        return outcome
    }

    /// Each output's failure, when every output lost records; a reader of standard output that
    /// stopped reading (`| head`) chose to, and is no failure.
    static func everyOutputFailed(_ channels: [OutputChannel]) -> String? {
        guard !channels.isEmpty else { return nil }
        var failures: [String] = []
        for channel in channels {
            let status = channel.status
            if channel.health.firstFailure == .closed && channel.isStandardOutput { return nil }
            guard status.failedWrites > 0, let error = status.error else { return nil }
            failures.append("\(channel.name): \(error), \(Wording.count(status.failedWrites, "write")) lost")
        }
        return failures.joined(separator: "; ")
    }

    // MARK: Replay

    private func replay(_ path: String) throws(SessionError) -> SessionOutcome {
        if let refusal = CallerAccess.refusalToRead(path) {
            throw SessionError(.io, what: "cannot open \(path)", why: refusal)
        }
        var reader = try CaptureFileReader(path: path)
        var engine: Engine?
        var started = false
        var lastTimestamp: UInt64 = 0
        var damage: CaptureError?
        reading: while !outputsGone, try reader.readChunk() {
            do {
                while let event = try reader.nextEvent() {
                    if !started, let header = reader.header {
                        started = true
                        engine = makeEngine(offset: header.monotonicToWallOffset, session: header.session)
                        fanout?.collectorFields = header.collector.map { ($0.name, $0.value) }
                        fanout?.sessionStarted(SessionStart(host: header.host, isReplay: true))
                        lastTimestamp = header.startMonotonic
                    }
                    if event.timestamp > lastTimestamp { lastTimestamp = event.timestamp }
                    engine?.process(event)
                }
            } catch {
                damage = error
                break reading
            }
        }
        if damage == nil && !outputsGone {
            do { try reader.finish() } catch { damage = error }
        }
        if !started, let header = reader.header {
            engine = makeEngine(offset: header.monotonicToWallOffset, session: header.session)
            fanout?.collectorFields = header.collector.map { ($0.name, $0.value) }
            fanout?.sessionStarted(SessionStart(host: header.host, isReplay: true))
            lastTimestamp = header.startMonotonic
        }
        // What was read before any damage still produces its records.
        engine?.stop(at: lastTimestamp)
        if let damage {
            throw SessionError(.damagedCapture, what: path, why: damage.description,
                               fix: damage.notACapture ? "replay reads the files spanlog record -w FILE (or run -w FILE) writes" : nil)
        }
        return outcome(engine)
    }

    // MARK: Live

    private func live(command: [String]?, usePty: Bool, targets: TargetSelection?) throws(SessionError) -> SessionOutcome {
        var collectorOptions = configuration.collector
        try targets?.apply(to: &collectorOptions)
        // The child is forked first (it waits at its gate), so a command that cannot be found
        // fails before anything is loaded into the kernel.
        let child = try command.map { command throws(SessionError) in try ChildProcess(command: command, usePty: usePty) }

        let offset = KernelClock.monotonicToWallOffset()
        wallOffset = offset
        let session = UInt32.random(in: 1...UInt32.max)
        let engine = makeEngine(offset: offset, session: session)
        fanout?.sessionStarted(SessionStart(host: Self.hostName(), isReplay: false))
        var capture: CaptureFileWriter?
        let collector: Collector
        do {
            collector = try Collector(options: collectorOptions) { event in
                engine?.process(event)
                capture?.write(event)
            }
        } catch {
            child?.abandon()
            throw SessionError(.environment, what: error.what, why: error.why, fix: error.fix)
        }
        let collectorFields = collector.programSummary.fields
        fanout?.collectorFields = collectorFields
        // After the collector, whose attach mode and build the capture's header records; it emits
        // nothing before it is told what to trace.
        if let path = configuration.captureTo {
            do {
                capture = try CaptureFileWriter(path: path, header: CaptureHeader(
                    monotonicToWallOffset: offset, session: session, startMonotonic: KernelClock.now(),
                    host: Self.hostName(),
                    collector: collectorFields.map { CaptureHeader.Field(name: $0.name, value: $0.value) }))
            } catch {
                child?.abandon()
                throw error
            }
        }

        var result: SessionOutcome
        if let child, let command {
            // Registered before the program runs, so nothing it writes escapes the collector.
            collector.traceSpawned(pid: child.pid, comm: child.executableName, stdout: child.stdoutIdentity,
                                   stderr: child.stderrIdentity)
            SignalWatch.install(forwardTo: child.signalTarget)
            do {
                try child.release(commandName: command[0], passThrough: engine == nil)
            } catch {
                finish(collector, engine, capture)
                throw error
            }
            var status: Int32?
            // When a stop began: a signal the handler passed on, or spanlog's own SIGTERM once
            // nobody reads its output (as a closed pipe would end the command).
            var stopBegan: UInt64?
            var killed = false
            let grace = UInt64(configuration.killAfter * 1e9)
            poll(collector, engine, capture) {
                status = child.pollExit()
                guard status == nil else { return true }
                if stopBegan == nil, outputsGone {
                    child.signal(SIGTERM)
                    stopBegan = KernelClock.now()
                } else if stopBegan == nil, SignalWatch.pending != nil {
                    stopBegan = KernelClock.now()
                }
                // A command that ignores the stop is killed after the grace period.
                if let stopBegan, !killed, KernelClock.now() - stopBegan > grace {
                    killed = true
                    child.signal(SIGKILL)
                }
                return false
            }
            if engine == nil { child.waitForOutput(timeout: 1) }
            finish(collector, engine, capture)
            result = outcome(engine)
            result.commandStatus = status
        } else {
            SignalWatch.install(forwardTo: nil)
            targets?.traceRunning(collector)
            notify(.capturing(targets?.summary ?? ""))
            if let targets, !targets.comms.isEmpty {
                for notice in targets.namesNotRunning(among: Collector.runningCommandNames()) { notify(.waitingForTargets(notice)) }
            }
            poll(collector, engine, capture) { SignalWatch.pending != nil || outputsGone }
            finish(collector, engine, capture)
            result = outcome(engine)
        }
        if let capture {
            result.capture = CaptureSummary(path: capture.path, events: capture.events, bytes: capture.bytesWritten,
                                            lostEvents: capture.lostEvents)
            if let failure = capture.failure {
                throw SessionError(.io, what: "writing capture file \(capture.path) failed", why: failure,
                                   fix: "the capture is incomplete; free space and record again")
            }
        }
        return result
    }

    static let ringSlack: UInt64 = 20_000_000
    /// How long a line waits for its end before a terminal view shows what it has (a prompt).
    static let partialLinePreviewDelay: UInt64 = 150_000_000

    /// Polls until `done` says so, handing output on whenever the ring buffer goes idle.
    private func poll(_ collector: Collector, _ engine: Engine?, _ capture: CaptureFileWriter?, until done: () -> Bool) {
        while !done() {
            collector.poll(timeoutMilliseconds: 50)
            if let engine {
                // In-flight rules run on wall-clock time, records or not.
                let now = KernelClock.now()
                engine.outputs.tick(now: wallOffset + Int64(now))
                configuration.onLiveTick?(engine.stats, wallOffset + Int64(now))
                // A write stamped just before `now` may still be on its way through the ring.
                engine.flush(now: now > Self.ringSlack ? now - Self.ringSlack : 0)
            }
            capture?.flush()
            if let request = SignalWatch.takeReloadRequest() { reloadRules(request, engine) }
            configuration.onPoll?()
        }
    }

    /// Drains the kernel (the final `stop` event ends the engine) and closes the capture. A
    /// SIGHUP that came with the stop still reloads, for the events drained after its moment.
    private func finish(_ collector: Collector, _ engine: Engine?, _ capture: CaptureFileWriter?) {
        collector.drain()
        if let request = SignalWatch.takeReloadRequest() { reloadRules(request, engine) }
        collector.stop()
        let late = SignalWatch.closeReloadRequests(reportOnStderr: configuration.reportsLateReloadsOnStderr && rules != nil)
        if rules != nil, late > 0 { notify(.reloadAfterLastEvent) }
        capture?.close()
        let stats = collector.stats
        if stats.unresolvedFileWrites > 0 || stats.malformedSamples > 0 {
            notify(.collectorLoss("\(Wording.count(stats.unresolvedFileWrites, "write")) to files whose path the kernel could not report (record lost, or deeper than 32 components) not kept; \(Wording.count(stats.malformedSamples, "malformed sample"))"))
        }
    }

    /// SIGINT and SIGTERM from now on only set a flag (`pendingStopSignal`), also for a session
    /// that installs no handlers of its own (a replay): a full-screen view restores the terminal
    /// before it ends.
    public static func watchStopSignals() {
        SignalWatch.install(forwardTo: nil)
    }

    /// SIGINT or SIGTERM, once one has arrived.
    public static var pendingStopSignal: Int32? { SignalWatch.pending }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
