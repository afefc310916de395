/// What the processors between the engine and the outputs counted, for the stats record. Each
/// processor fills in its own part; a part is nil when that processor did not run (no rules,
/// no `--filter`), so outputs tell "none happened" from "not looked for".
public struct ProcessorCounters: Sendable, Equatable {
    /// The rule evaluator's alerts.
    public struct Rules: Sendable, Equatable {
        /// Alerts raised (sent to the outputs).
        public var alerts = 0
        /// Alerts the rules' throttles held back.
        public var alertsSuppressed = 0

        public init(alerts: Int = 0, alertsSuppressed: Int = 0) {
            self.alerts = alerts
            self.alertsSuppressed = alertsSuppressed
        }
    }

    /// What `--filter` left out.
    public struct Filter: Sendable, Equatable {
        public var spansDropped = 0
        public var linesDropped = 0
        /// Lines passed on before their span ended, for want of room to hold them.
        public var unjudgedLines = 0

        public init(spansDropped: Int = 0, linesDropped: Int = 0, unjudgedLines: Int = 0) {
            self.spansDropped = spansDropped
            self.linesDropped = linesDropped
            self.unjudgedLines = unjudgedLines
        }
    }

    public var rules: Rules?
    public var filter: Filter?

    public init(rules: Rules? = nil, filter: Filter? = nil) {
        self.rules = rules
        self.filter = filter
    }

    /// The counters by their names in the JSON stats record, rules first (the order the
    /// processors run in).
    public var fields: [(name: String, value: Int64)] {
        var fields: [(name: String, value: Int64)] = []
        if let rules {
            fields += [("alerts", Int64(rules.alerts)), ("alerts_suppressed", Int64(rules.alertsSuppressed))]
        }
        if let filter {
            fields += [("filter_spans_dropped", Int64(filter.spansDropped)), ("filter_lines_dropped", Int64(filter.linesDropped)),
                       ("filter_unjudged_lines", Int64(filter.unjudgedLines))]
        }
        return fields
    }
}
