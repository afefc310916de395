import SpanlogCore

/// The session's figures for the two top rows, read from the model at each refresh so that
/// drawing needs no lock.
struct SessionStatus {
    /// How `ended` begins when the session failed.
    static let failurePrefix = "stopped: "
    var now: Int64 = 0
    var spans = 0
    var failed = 0
    var alerts = 0
    var rate: Double?
    var lines = 0
    var openSpans = 0
    var stats = EngineStats()
    var markerErrors = 0
    var filter: String?
    var filterSince: Int64?
    var filterSeeded = 0
    var ended: String?
    var lastNote: String?

    init() {}

    init(_ model: TopModel) {
        now = model.now
        let shown = model.shown
        spans = shown.spans
        failed = shown.failed
        alerts = shown.alerts
        rate = shown.rate(nil, now: model.now, since: model.firstTime ?? model.now, window: model.limits.rateWindowSeconds)
        lines = model.linesSeen
        stats = model.stats
        openSpans = max(0, stats.spansStarted - stats.spansEnded)
        markerErrors = max(model.markerErrors, stats.markerErrors)
        if let filter = model.filter {
            self.filter = filter.condition.text
            filterSince = filter.since
            filterSeeded = filter.seeded
        }
        ended = model.ended
        lastNote = model.recentNotes.last
    }

    /// Row 2: what was counted, and every loss, so that nothing is lost unseen.
    func counters(columns: Int, glyphs: Glyphs) -> ScreenLine {
        var line = ScreenLine(" ")
        func item(_ label: String, _ value: String, _ style: TerminalStyle = .bold) {
            if line.width > 1 { line.append("  ") }
            line.append(label + " ", .dim)
            line.append(value, style)
        }
        item("spans", Format.count(spans))
        item("rate", Format.rate(rate) + "/s")
        item("failed", Format.count(failed), failed > 0 ? .red : .bold)
        item("alerts", Format.count(alerts), alerts > 0 ? .yellow : .bold)
        item("open", Format.count(openSpans))
        item("lines", Format.count(lines))
        let skipped = stats.skipped.treePipeWrites + stats.skipped.otherFileWrites
        let losses: [(String, Int)] = [
            ("lost events", Int(clamping: stats.lostEvents)), ("truncated lines", stats.truncatedLines),
            ("truncated writes", stats.truncatedWrites), ("evicted spans", stats.evictedSpans),
            ("marker errors", markerErrors), ("skipped writes", Int(clamping: skipped)),
        ]
        for (label, value) in losses {
            item(label, Format.count(value), value > 0 && label != "skipped writes" ? .red : .bold)
        }
        return line.truncated(to: columns, ellipsis: glyphs.ellipsis)
    }
}
