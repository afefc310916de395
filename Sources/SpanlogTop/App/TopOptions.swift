import SpanlogOutputs

/// How `spanlog top` runs, beside the session's own configuration.
public struct TopOptions: Sendable {
    /// How often the views read the figures again.
    public var refreshInterval: Int64 = 1_000_000_000
    /// Print the span types table every `refreshInterval` (and once at the end) instead of the
    /// full screen: for pipes, scripts and terminals that cannot address the cursor.
    public var batch = false
    public var color: TextViewStyle.ColorChoice = .auto
    /// The first step through a capture.
    public var step: Int64 = 1_000_000_000
    public var limits = TopLimits()
    /// What the title bar names as the source: `run: ./server`, `capture: x.cap`.
    public var source = ""

    public init() {}
}
