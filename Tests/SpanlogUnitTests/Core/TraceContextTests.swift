import SpanlogTestSupport
@testable import SpanlogCore
import Testing

/// Trace context: what enter markers may declare (W3C traceparent, trace_id, span_id), what
/// spans inherit, and ids that a replay reproduces.
struct TraceContextTests {
    static func declared(_ args: MarkerArgs) -> Result<TraceContext.Declared, TraceContext.DeclarationError>? {
        TraceContext.declared(in: args)
    }

    @Test func aW3CTraceparentNamesTheTraceAndTheRemoteParent() throws {
        let parsed = try #require(Self.declared([("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]))
        let declared = try parsed.get()
        #expect(declared.traceHigh == 0x4bf9_2f35_77b3_4da6 && declared.traceLow == 0xa3ce_929d_0e0e_4736)
        #expect(declared.remoteParent == 0x00f0_67aa_0ba9_02b7)
        #expect(declared.spanID == nil)
    }

    @Test(arguments: [
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",     // no flags
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero parent
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // uppercase
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", // extra part in version 00
        "nothing",
    ])
    func aMalformedTraceparentIsAnErrorNamingIt(text: String) throws {
        let parsed = try #require(Self.declared([("traceparent", text)]))
        guard case .failure(let error) = parsed else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(error.message.contains(text))
    }

    @Test func aLaterVersionMayCarryMoreParts() throws {
        let parsed = try #require(Self.declared([("traceparent", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more")]))
        #expect((try? parsed.get()) != nil)
    }

    @Test func traceIDAndSpanIDDeclareTheSpansOwnIdentity() throws {
        let declared = try #require(Self.declared([("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"), ("span_id", "00f067aa0ba902b7")])).get()
        #expect(declared.remoteParent == nil && declared.spanID == 0x00f0_67aa_0ba9_02b7)
        let disagreeing = try #require(Self.declared([
            ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            ("trace_id", "11111111111111111111111111111111"),
        ]))
        if case .success = disagreeing { Issue.record("a trace_id other than the traceparent's was accepted") }
        #expect(Self.declared([("user", "42"), ("path", "/trace")]) == nil, "other arguments declare nothing")
        #expect(Self.declared([]) == nil)
    }

    /// Through the engine: children inherit the trace, the declared span keeps its ids, and a
    /// malformed declaration is a warning and a count while the span is still entered.
    @Test func spansInheritTheirTraceAndAMalformedOneIsReported() throws {
        let harness = EngineHarness()
        harness.start(pid: 10)
        harness.marker(">:t:handle:traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01:\n", pid: 10)
        harness.marker(">:t:handle.db::\n", pid: 10)
        harness.stdout("querying\n", pid: 10)
        harness.marker("<:t:handle.db::\n", pid: 10)
        harness.marker("<:t:handle::\n", pid: 10)
        harness.marker(">:t:other:span_id=zz:\n", pid: 10)
        harness.marker("<:t:other::\n", pid: 10)
        harness.marker(">:t:outer::\n", pid: 10)
        harness.marker(">:t:outer.call:span_id=00f067aa0ba902b8:\n", pid: 10)
        harness.marker("<:t:outer.call::\n", pid: 10)
        harness.marker("<:t:outer::\n", pid: 10)
        harness.stop()
        let handle = try #require(harness.collector.span("handle")).summary.trace
        let database = try #require(harness.collector.span("handle.db")).summary.trace
        let other = try #require(harness.collector.span("other")).summary.trace
        #expect(handle.traceIDHex == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(handle.parentSpanIDHex == "00f067aa0ba902b7")
        #expect(database.traceIDHex == handle.traceIDHex && database.parentSpanID == handle.spanID)
        #expect(harness.collector.line("querying")?.span?.trace == database)
        #expect(other.traceIDHex != handle.traceIDHex && other.parentSpanID == 0, "a new trace of its own")
        #expect(harness.collector.warnings.contains { $0.kind == .traceContextError && $0.message.contains("span_id 'zz'") })
        #expect(harness.engine.stats.traceContextErrors == 1)
        // span_id alone: the span's own id, in its parent's trace, as its parent's child.
        let outer = try #require(harness.collector.span("outer")).summary.trace
        let call = try #require(harness.collector.span("outer.call")).summary.trace
        #expect(call.spanIDHex == "00f067aa0ba902b8")
        #expect(call.traceIDHex == outer.traceIDHex && call.parentSpanID == outer.spanID)
    }

    /// Ids come from the session and the clock offset, both in a capture's header: a replay
    /// gives the live session's ids, another session other ids.
    @Test func idsAreTheSameForTheSameSessionAndOtherwiseDiffer() {
        func ids(session: UInt32) -> [TraceContext] {
            let harness = EngineHarness { $0.session = session }
            harness.start(pid: 10)
            for _ in 0..<3 {
                harness.marker(">:t:request::\n", pid: 10)
                harness.marker("<:t:request::\n", pid: 10)
            }
            harness.stop()
            return harness.collector.spans.map(\.summary.trace)
        }
        let first = ids(session: 7), again = ids(session: 7), other = ids(session: 8)
        #expect(first == again)
        #expect(Set(first.map(\.traceIDHex)).count == 3, "each root its own trace")
        #expect(Set(first.map(\.traceIDHex)).isDisjoint(with: other.map(\.traceIDHex)))
    }
}
