import SpanlogCore
import SpanlogRules

/// The views, the keys and what is drawn: a stack of views (span types at the bottom), the
/// filter prompt, pause. Reads the model only in `refresh` (under the sink's lock); drawing
/// works from what the views kept, so a paused screen stays as it was.
package final class TopScreen {
    enum Page {
        case types(SpanTypesView)
        case spans(SpanListView)
        case span(SpanDetailView)
        case spectrogram(SpectrogramView)
        case alerts(AlertsView)
        case help
    }

    /// What the screen asks of the application after a key.
    package enum Command: Equatable {
        case none
        /// Draw again from what the views hold.
        case redraw
        /// Read the model again, then draw.
        case refresh
        case redrawAll
        case quit
        /// Step through a capture by this many nanoseconds (0: to its end).
        case step(Int64)
    }

    /// What the title bar names: `run: ./server`, `capture: x.cap`, `tail: --comm nginx`.
    let source: String
    let glyphs: Glyphs
    private(set) var stack: [Page] = [.types(SpanTypesView())]
    private(set) var paused = false
    private(set) var status = SessionStatus()
    /// The filter being typed, and the message row's one-off text.
    private(set) var prompt: [Character]?
    private var message: (text: String, style: TerminalStyle)?
    /// Stepping through a capture: where the cursor is, and the step.
    var capture: CapturePosition?
    package var rows = 24
    package var columns = 80

    struct CapturePosition {
        var start: Int64
        var end: Int64
        var cursor: Int64
        var step: Int64
        var loading = false
    }

    package init(source: String, glyphs: Glyphs) {
        self.source = source
        self.glyphs = glyphs
    }

    var context: ViewContext { ViewContext(rows: max(1, rows - 4), columns: columns, glyphs: glyphs) }

    // MARK: Reading the model

    package func refresh(_ model: TopModel) {
        status = SessionStatus(model)
        let context = context
        guard var page = stack.popLast() else { return }
        switch page {
        case .types(var view): view.refresh(from: model, context: context); page = .types(view)
        case .spans(var view): view.refresh(from: model, context: context); page = .spans(view)
        case .span(var view): view.refresh(from: model, context: context); page = .span(view)
        case .spectrogram(var view): view.refresh(from: model, context: context); page = .spectrogram(view)
        case .alerts(var view): view.refresh(from: model, context: context); page = .alerts(view)
        case .help: break
        }
        stack.append(page)
    }

    // MARK: Keys

    package func handle(_ key: Key, model read: ((TopModel) -> Void) -> Void) -> Command {
        if key == .hangup { return .quit }
        if prompt != nil { return editPrompt(key, model: read) }
        message = nil
        if case .help = stack.last {
            stack.removeLast()
            return .refresh
        }
        switch key {
        case .character("q"), .control("c"): return .quit
        case .character("?"), .f1:
            stack.append(.help)
            return .redraw
        case .escape, .backspace, .left, .character("h"):
            guard stack.count > 1 else { return .none }
            stack.removeLast()
            // The view below kept what it last read: paused, that is what stays on screen.
            return paused ? .redraw : .refresh
        case .enter, .right, .character("l"):
            return open(read)
        case .character("s"):
            stack.append(.spectrogram(SpectrogramView(tags: selectedTags)))
            return .refresh
        case .character("a"):
            if case .alerts = stack.last { return .none }
            stack.append(.alerts(AlertsView()))
            return .refresh
        case .character("/"):
            prompt = Array(status.filter ?? "")
            return .redraw
        case .character("p"), .character(" "):
            paused.toggle()
            return paused ? .redraw : .refresh
        case .control("l"): return .redrawAll
        case .up, .character("k"): return move(.up)
        case .down, .character("j"): return move(.down)
        case .pageUp: return move(.pageUp)
        case .pageDown: return move(.pageDown)
        case .home: return move(.home)
        case .end: return move(.end)
        case .character("<"), .character(">"), .character("i"), .character("t"):
            guard case .types(var view) = stack.last else { return .none }
            switch key {
            case .character("<"): view.shiftSort(by: -1)
            case .character(">"): view.shiftSort(by: 1)
            case .character("i"): view.descending.toggle()
            default: view.tree.toggle()
            }
            stack[stack.count - 1] = .types(view)
            return .refresh
        case .character("["), .character("]"), .character("e"), .character("{"), .character("}"):
            guard var capture, !capture.loading else { return .none }
            switch key {
            case .character("{"): capture.step = max(1_000_000, capture.step / 2)
            case .character("}"): capture.step = min(86_400_000_000_000, capture.step * 2)
            case .character("["): return .step(-capture.step)
            case .character("]"): return .step(capture.step)
            default: return .step(0)
            }
            self.capture = capture
            message = ("step \(Format.duration(capture.step, glyphs))", .normal)
            return .redraw
        case .resize: return .redrawAll
        default: return .none
        }
    }

    /// The tag path under the cursor, or the path of the view (nil: all spans).
    private var selectedTags: [String]? {
        switch stack.last {
        case .types(let view)?: return view.selected?.tags
        case .spans(let view)?: return view.tags
        case .span(let view)?: return view.tagsOfSpan
        case .spectrogram(let view)?: return view.tags
        default: return nil
        }
    }

    private func open(_ read: ((TopModel) -> Void) -> Void) -> Command {
        switch stack.last {
        case .types(let view)?:
            guard let row = view.selected else { return .none }
            stack.append(.spans(SpanListView(tags: row.tags)))
        case .spans(let view)?:
            guard let span = view.selected else { return .none }
            stack.append(.span(SpanDetailView(span: span)))
        case .alerts(let view)?:
            guard let alert = view.selected else { return .none }
            var span = alert.span
            read { model in if let ended = model.span(alert.span.summary.uid) { span = ended } }
            stack.append(.span(SpanDetailView(span: span)))
        default:
            return .none
        }
        return .refresh
    }

    private func move(_ move: ListCursor.Move) -> Command {
        let context = context
        guard var page = stack.popLast() else { return .none }
        switch page {
        case .types(var view): view.move(move, context: context); page = .types(view)
        case .spans(var view): view.move(move, context: context); page = .spans(view)
        case .span(var view): view.move(move, context: context); page = .span(view)
        case .alerts(var view): view.move(move, context: context); page = .alerts(view)
        case .spectrogram, .help: break
        }
        stack.append(page)
        // The types view works out figures for the rows that came on screen (not while paused:
        // what is drawn then stays what was read).
        if case .types = page, !paused { return .refresh }
        return .redraw
    }

    private func editPrompt(_ key: Key, model read: ((TopModel) -> Void) -> Void) -> Command {
        guard var text = prompt else { return .none }
        message = nil
        switch key {
        case .escape:
            prompt = nil
        case .enter:
            prompt = nil
            let condition = String(String(text).drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
            if condition.isEmpty {
                read { $0.setFilter(nil) }
                message = ("filter cleared", .normal)
                return .refresh
            }
            do {
                let compiled = try RuleSet.compileFilter(condition)
                read { $0.setFilter(compiled) }
                return .refresh
            } catch {
                message = ("filter not applied: \(error)", .red)
                prompt = Array(condition)
            }
        case .backspace:
            if !text.isEmpty { text.removeLast() }
            prompt = text
        case .control("u"):
            prompt = []
        case .control("c"):
            return .quit
        case .character(let character):
            text.append(character)
            prompt = text
        default:
            break
        }
        return .redraw
    }

    // MARK: Drawing

    package func frame() -> Frame {
        guard rows >= 8 && columns >= 40 else {
            var lines = [ScreenLine("Make the terminal at least 40×8 (q quits).".prefix(columns).description)]
            lines += Array(repeating: ScreenLine(), count: max(0, rows - 1))
            return Frame(lines: Array(lines.prefix(rows)), columns: columns)
        }
        let context = context
        var lines = [titleBar(), status.counters(columns: columns, glyphs: glyphs)]
        var body: [ScreenLine]
        switch stack.last ?? .help {
        case .types(let view): body = view.body(context: context)
        case .spans(let view): body = view.body(context: context)
        case .span(let view): body = view.body(context: context)
        case .spectrogram(let view): body = view.body(context: context)
        case .alerts(let view): body = view.body(context: context)
        case .help: body = HelpView.body(context: context, stepping: capture != nil)
        }
        body = body.prefix(context.rows).map { $0.truncated(to: columns, ellipsis: glyphs.ellipsis) }
        body += Array(repeating: ScreenLine(), count: context.rows - body.count)
        lines += body
        lines.append(messageRow())
        lines.append(keyBar())
        return Frame(lines: lines, columns: columns)
    }

    private func titleBar() -> ScreenLine {
        var line = ScreenLine(" spanlog top", .header, fill: .header)
        line.append("  \(source)  ", .header)
        line.append(Format.time(status.now, millisecond: false), .header)
        line.append("  " + pageTitle, .header)
        var state: String
        if let capture {
            state = capture.loading ? "reading capture…" : capture.cursor >= capture.end ? "capture end" : "at \(Format.time(capture.cursor)) (+\(Format.duration(capture.cursor - capture.start, glyphs)))"
            if let ended = status.ended, ended.hasPrefix(SessionStatus.failurePrefix) { state += " · " + ended }
        } else {
            state = status.ended ?? "live"
        }
        if paused { state = "PAUSED · " + state }
        // The state keeps at most half the bar; the message row has the whole of a failure.
        let right = " " + ScreenLine.cut(state, to: max(10, columns / 2 - 2), ellipsis: glyphs.ellipsis) + " "
        var cut = line.truncated(to: max(0, columns - right.unicodeScalars.count), ellipsis: glyphs.ellipsis)
        cut.pad(to: columns - right.unicodeScalars.count)
        cut.append(right, paused ? .selected : .header)
        return cut
    }

    private var pageTitle: String {
        switch stack.last ?? .help {
        case .types: "span types"
        case .spans(let view): "spans of \(view.title)"
        case .span(let view): "span \(view.title)"
        case .spectrogram(let view): "latency spectrogram: \(view.title)"
        case .alerts: "alerts"
        case .help: "help"
        }
    }

    private func messageRow() -> ScreenLine {
        if let prompt {
            var line = ScreenLine(" filter: ", .bold)
            line.append(String(prompt) + "_")
            if let message {
                line.append("   " + message.text, message.style)
            } else {
                line.append("   Enter applies, Esc cancels (fields: spanlog rules fields)", .dim)
            }
            return line.truncated(to: columns, ellipsis: glyphs.ellipsis)
        }
        if let message { return ScreenLine(" " + message.text, message.style).truncated(to: columns, ellipsis: glyphs.ellipsis) }
        if let filter = status.filter {
            var line = ScreenLine(" filter: ", .bold)
            line.append(filter, .cyan)
            let since = status.filterSince.map { Format.time($0, millisecond: false) } ?? "-"
            line.append("  (counting since \(since), from \(Format.count(status.filterSeeded)) held spans)", .dim)
            return line.truncated(to: columns, ellipsis: glyphs.ellipsis)
        }
        if let note = status.lastNote { return ScreenLine(" " + note, .yellow).truncated(to: columns, ellipsis: glyphs.ellipsis) }
        return ScreenLine()
    }

    private func keyBar() -> ScreenLine {
        var keys: [(String, String)]
        switch stack.last ?? .help {
        case .types: keys = [("Enter", "Spans"), ("s", "Spectrogram"), ("a", "Alerts"), ("/", "Filter"), ("<>", "Sort"), ("t", "Tree")]
        case .spans: keys = [("Enter", "Span"), ("Esc", "Back"), ("s", "Spectrogram"), ("a", "Alerts"), ("/", "Filter")]
        case .span: keys = [("↑↓", "Scroll"), ("Esc", "Back"), ("s", "Spectrogram"), ("a", "Alerts")]
        case .spectrogram: keys = [("Esc", "Back"), ("a", "Alerts"), ("/", "Filter")]
        case .alerts: keys = [("Enter", "Span"), ("Esc", "Back"), ("/", "Filter")]
        case .help: keys = [("any key", "Back")]
        }
        if capture != nil { keys.append(("[]", "Step")) }
        keys += [("p", paused ? "Resume" : "Pause"), ("?", "Help"), ("q", "Quit")]
        var line = ScreenLine()
        for (key, label) in keys {
            let shownKey = glyphs.ellipsis == "…" ? key : key.replacingOccurrences(of: "↑↓", with: "Up/Dn")
            line.append(shownKey, .key)
            line.append(" " + label + " ")
        }
        return line.truncated(to: columns, ellipsis: glyphs.ellipsis)
    }
}
