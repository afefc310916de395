import ArgumentParser
import SpanlogCore
import SpanlogRules
import SpanlogRuntime

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Summarize a capture's span latencies by tag path.",
        discussion: """
            One row per tag path, children under their parents: count, failed spans, min, mean, \
            p50, p90, p99 and max duration, and lines per span. Percentiles come from an HDR \
            histogram (three significant digits). --histogram adds each path's latency \
            distribution, log-scale from 1 µs to 100 s. With --format json each row is a \
            {"type":"summary",…} record.
            """
    )

    @Argument(help: "The capture file ('-' for standard input).")
    var file: String

    @Flag(help: "Show each tag path's latency distribution (JSON: a 'histogram' array of counts per bucket).")
    var histogram = false

    @Option(help: ArgumentHelp("Summarize only the spans this condition selects.", valueName: "condition"))
    var filter: String?

    @Option(help: "Also one summary per interval of this length (for example 10s), by span end time.")
    var every: String?

    @Option(help: "'text' for people, 'json' for one record per row.")
    var format: OutputFormat = .text

    func validate() throws {
        if let filter {
            do { _ = try RuleSet.compileFilter(filter) } catch { throw ValidationError("--filter: \(error)") }
        }
        if let every, (DurationParser.nanoseconds(every) ?? 0) <= 0 {
            throw ValidationError("--every '\(every)' is not a duration; write it like 10s or 1m.")
        }
    }

    func run() throws {
        var configuration = SessionConfiguration(source: .capture(path: file))
        configuration.outputs = [format == .json ? .json(path: nil) : .text(path: nil)]
        configuration.engine.reportMarkerErrors = false
        configuration.filter = filter.flatMap { try? RuleSet.compileFilter($0) }
        configuration.summary = SummarySettings(every: every.flatMap(DurationParser.nanoseconds).map(Int64.init),
                                                histograms: histogram, summariesOnly: true)
        _ = try SessionLauncher.run(configuration, command: "summary")
    }
}
