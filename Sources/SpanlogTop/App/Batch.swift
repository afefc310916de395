import Foundation
import SpanlogCore
import SpanlogRuntime

/// `--batch`: the span types table printed every interval (once for a capture) and at the end,
/// as `top -b` prints, for pipes, scripts and terminals without cursor addressing.
struct Batch {
    let configuration: SessionConfiguration
    let options: TopOptions

    func run() throws(SessionError) -> Int32? {
        let run = SessionRun(configuration, sink: TopSink(model: TopModel(limits: options.limits)))
        let isCapture = if case .capture = configuration.source { true } else { false }
        let columns = Int(configuration.environment["COLUMNS"] ?? "") ?? 120
        while !run.wait(seconds: Double(options.refreshInterval) / 1e9) {
            if Session.pendingStopSignal != nil {
                run.sink.requestQuit()
                run.wait()
                break
            }
            if !isCapture { print(table(run, columns: columns)) }
        }
        switch run.finished {
        case .failure(let error)?: throw error
        case .success(let outcome)?:
            print(table(run, columns: columns))
            return outcome.commandStatus
        case nil: return nil
        }
    }

    private func table(_ run: SessionRun, columns: Int) -> String {
        let glyphs = FullScreen.localeGlyphs
        var view = SpanTypesView()
        var status = SessionStatus()
        run.sink.read { model in
            let context = ViewContext(rows: model.shown.types.count + 2, columns: columns, glyphs: glyphs)
            view.refresh(from: model, context: context)
            status = SessionStatus(model)
        }
        let context = ViewContext(rows: view.rows.count + 2, columns: columns, glyphs: glyphs)
        var lines = ["spanlog top  \(options.source)  \(Format.time(status.now, millisecond: false))  \(status.ended ?? "live")",
                     status.counters(columns: Int.max, glyphs: glyphs).text]
        lines += view.body(context: context).map(\.text)
        return lines.map(Self.trimmingTrailingSpaces).joined(separator: "\n") + "\n"
    }

    private static func trimmingTrailingSpaces(_ line: String) -> String {
        var line = line
        while line.last == " " { line.removeLast() }
        return line
    }
}
