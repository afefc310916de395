import SpanlogCore
import SpanlogTestSupport
@testable import SpanlogTop
import Testing

/// Keys and frames, without a terminal.
struct TopScreenTests {
    static func screen(_ model: TopModel, rows: Int = 30, columns: Int = 120) -> TopScreen {
        let screen = TopScreen(source: "test", glyphs: .unicode)
        screen.rows = rows
        screen.columns = columns
        screen.refresh(model)
        return screen
    }

    static func press(_ keys: [Key], on screen: TopScreen, model: TopModel) {
        for key in keys {
            switch screen.handle(key, model: { $0(model) }) {
            case .refresh, .redrawAll: screen.refresh(model)
            default: break
            }
        }
    }

    @Test func everyRowOfEveryViewFitsTheScreen() {
        let model = TopModelTests.model(TopModelTests.requests())
        let screen = Self.screen(model, rows: 24, columns: 60)
        for keys: [Key] in [[], [.enter], [.enter, .enter], [.escape, .escape, .character("s")], [.character("a")],
                            [.character("?")]] {
            Self.press(keys, on: screen, model: model)
            let frame = screen.frame()
            #expect(frame.lines.count == 24)
            #expect(frame.lines.allSatisfy { $0.width <= 60 }, "\(frame.text)")
        }
    }

    @Test func enterOpensASpansWaterfallAndLines() {
        let model = TopModelTests.model(TopModelTests.requests(3))
        let screen = Self.screen(model)
        Self.press([.enter], on: screen, model: model)
        #expect(screen.frame().text.contains("spans of request"))
        Self.press([.enter], on: screen, model: model)
        let text = screen.frame().text
        // The slowest first: request 3, its db child on the waterfall, its lines in order.
        #expect(text.contains("Waterfall (2 spans held)"), "\(text)")
        #expect(text.contains("request.db#"))
        let accepted = text.range(of: "request 3 accepted")
        let done = text.range(of: "request 3 done")
        #expect(accepted != nil && done != nil && accepted!.lowerBound < done!.lowerBound)
        Self.press([.escape, .escape], on: screen, model: model)
        #expect(screen.frame().text.contains("SPAN TYPE"))
    }

    @Test func aBrokenFilterSaysWhereAndKeepsWhatWasTyped() {
        let model = TopModelTests.model(TopModelTests.requests(3))
        let screen = Self.screen(model)
        let typed = "span.duration > fast".map { Key.character($0) }
        Self.press([.character("/")] + typed + [.enter], on: screen, model: model)
        let text = screen.frame().text
        #expect(text.contains("filter not applied: --filter:1:17"), "\(text)")
        #expect(model.filterText == nil)
        Self.press([.escape, .character("/"), .control("u")] + "span.tag[1] = db".map { Key.character($0) } + [.enter],
                   on: screen, model: model)
        #expect(model.filterText == "span.tag[1] = db")
        #expect(screen.frame().text.contains("filter: span.tag[1] = db"))
    }

    @Test func pauseKeepsTheFiguresAsTheyWere() {
        let records = TopModelTests.requests(10)
        let model = TopModel()
        for record in records.prefix(20) { model.ingest(record) }
        let screen = Self.screen(model)
        Self.press([.character("p")], on: screen, model: model)
        let before = screen.frame().text
        for record in records.dropFirst(20) { model.ingest(record) }
        // The application does not refresh a paused screen; drawing shows what was read.
        #expect(screen.frame().text == before)
        #expect(before.contains("PAUSED"))
        Self.press([.character("p")], on: screen, model: model)
        #expect(screen.frame().text != before)
    }

    /// A line is escaped as the text view escapes it: colours dropped, other escape sequences and
    /// controls shown, never acted on.
    @Test func linesKeepEscapesAndControlsOffTheScreen() {
        #expect(Format.line(Array("\u{1B}[2J\u{1B}[Hred \u{1B}[31mtext\u{1B}[0m".utf8)) == "\\e[2J\\e[Hred text")
        #expect(Format.line(Array("a\tb\u{07}c\u{1B}]0;title\u{07}d".utf8)) == "a    b\\x07c\\e]0;title\\x07d")
        #expect(Format.line([0x66, 0xFF, 0x67]) == "f\u{FFFD}g")
        #expect(Format.line(Array("x\u{9B}31my".utf8)) == "x\\u{9b}31my")
    }
}
