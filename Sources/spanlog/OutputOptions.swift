import ArgumentParser
import SpanlogCore
import SpanlogOutputs
import SpanlogRules
import SpanlogRuntime

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

extension TextViewStyle.ColorChoice: ExpressibleByArgument {}

/// Where records go and how the engine reads events; shared by every command that produces
/// records.
struct OutputOptions: ParsableArguments {
    @Option(name: .customLong("output"),
            help: ArgumentHelp("Send records here (repeatable): text[:PATH], json[:PATH], journald, statsd:HOST:PORT or otlp:http://HOST:PORT (OpenTelemetry); no path or '-' is standard output.",
                               valueName: "output"))
    var outputs: [String] = []

    @Option(help: "Short form of --output: 'text' for people, 'json' for one JSON object per line, on standard output.")
    var format: OutputFormat?

    @Flag(help: "Short form of --output journald: each line and alert as a structured journal entry (SPAN_TAGS=…, SPANLOG_RULE=…).")
    var journald = false

    @Flag(help: "journald output: also send an entry when a span ends (SPAN_DURATION_NS, SPAN_OUTCOME).")
    var journaldSpans = false

    @Option(help: "Short form of --output statsd:HOST:PORT: each ended span's duration as a statsd timer, over UDP.")
    var statsd: String?

    @Option(help: ArgumentHelp("Show and export only the spans this condition selects, with their lines and alerts (the rules' condition language; see 'spanlog rules fields').",
                               valueName: "condition"))
    var filter: String?

    @Flag(help: "End with a latency summary per tag path: count, failed, min, mean, p50, p90, p99, max, lines per span.")
    var summary = false

    @Option(help: "Also summarize the spans that ended in each interval of this length (for example 10s); implies --summary.")
    var summaryEvery: String?

    @Flag(help: "Text view: print each span as a block when it ends, its lines and child spans nested under it.")
    var group = false

    @Option(help: "Colour the text view: auto (a terminal, unless NO_COLOR is set or TERM=dumb), always or never.")
    var color: TextViewStyle.ColorChoice = .auto

    @Flag(help: "Do not report malformed markers as they happen (they are still counted in the stats).")
    var quietMarkerErrors = false

    /// Reporting is the default now; the old flag is accepted so scripts keep working.
    @Flag(name: .customLong("show-marker-errors"), help: .hidden)
    var showMarkerErrors = false

    @OptionGroup var engine: EngineOptions

    func validate() throws {
        for output in outputs {
            do { _ = try OutputSpec(parsing: output) } catch { throw ValidationError("--output: \(error).") }
        }
        if journaldSpans && !resolvedOutputs.contains(.journald) {
            throw ValidationError("--journald-spans applies to the journald output; add --journald.")
        }
        if group && !resolvedOutputs.contains(where: { if case .text = $0 { true } else { false } }) {
            throw ValidationError("--group applies to the text view; add --output text, or drop --group.")
        }
        if let statsd {
            do { _ = try OutputSpec(parsing: "statsd:" + statsd) } catch { throw ValidationError("--statsd: \(error).") }
        }
        _ = try AnalyticsArguments.filter(filter)
        _ = try AnalyticsArguments.interval(summaryEvery, option: "--summary-every")
    }

    /// `--output`s plus the short form; the text view on standard output when none is named.
    var resolvedOutputs: [OutputSpec] {
        var outputs = outputs.compactMap { try? OutputSpec(parsing: $0) }
        switch format {
        case .json: outputs.append(.json(path: nil))
        case .text: outputs.append(.text(path: nil))
        case nil: break
        }
        if journald { outputs.append(.journald) }
        if let statsd { outputs.append(.statsd(address: statsd)) }
        // The text view on the terminal unless some output writes text or JSON (there or to a
        // file): journald, statsd and OTLP alone, named by --output or by their short forms
        // alike, still show the run.
        if !outputs.contains(where: \.writesRecordsAsText) {
            outputs.append(.text(path: nil))
        }
        return outputs
    }

    func apply(to configuration: inout SessionConfiguration) {
        configuration.outputs = resolvedOutputs
        configuration.textStyle = TextViewStyle(grouped: group, color: color)
        configuration.journaldSpans = journaldSpans
        engine.apply(to: &configuration)
        configuration.engine.reportMarkerErrors = !quietMarkerErrors
        // Both were checked by validate().
        configuration.filter = try? AnalyticsArguments.filter(filter)
        if summary || summaryEvery != nil {
            configuration.summary = SummarySettings(every: try? AnalyticsArguments.interval(summaryEvery, option: "--summary-every"))
        }
    }
}
