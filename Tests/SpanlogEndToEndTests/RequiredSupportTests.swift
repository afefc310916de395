import SpanlogTestSupport
import Foundation
import Testing

/// The end-to-end suites that need root, journald, tmux or the OTLP decoders skip, with their
/// reason, where those are missing. Under `CI=true` or `SPANLOG_REQUIRE_KERNEL=1` a skip would
/// be a silent pass, so this fails the run instead.
@Suite struct RequiredSupportTests {
    @Test func endToEndTestsRunWhereTheyMust() {
        SkipPolicy.require([
            ("the journald tests", JournaldSupport.skipReason),
            ("the journald fleet test", JournaldFleetSupport.skipReason),
            ("the OTLP tests", OTLPSupport.skipReason),
            ("spanlog top's tests", TerminalScreen.skipReason),
        ])
    }
}
