import ArgumentParser
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
        _ = try AnalyticsArguments.filter(filter)
        _ = try AnalyticsArguments.interval(every, option: "--every")
    }

    func run() throws {
        var configuration = SessionConfiguration(source: .capture(path: file))
        configuration.outputs = [format == .json ? .json(path: nil) : .text(path: nil)]
        configuration.engine.reportMarkerErrors = false
        configuration.filter = try AnalyticsArguments.filter(filter)
        configuration.summary = SummarySettings(every: try AnalyticsArguments.interval(every, option: "--every"),
                                                histograms: histogram, summariesOnly: true)
        _ = try SessionLauncher.run(configuration, command: "summary")
    }
}
