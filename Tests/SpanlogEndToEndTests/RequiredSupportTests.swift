import SpanlogTestSupport
import Foundation
import Testing

/// The end-to-end suites that need root, journald, tmux, the OTLP decoders or the built
/// packages (with debootstrap and lintian) skip, with their reason, where those are missing.
/// Under `CI=true` or `SPANLOG_REQUIRE_KERNEL=1` a skip would be a silent pass, so this fails
/// the run instead.
@Suite struct RequiredSupportTests {
    @Test func endToEndTestsRunWhereTheyMust() {
        SkipPolicy.require([
            ("the journald tests", JournaldSupport.skipReason),
            ("the journald fleet test", JournaldFleetSupport.skipReason),
            ("the OTLP tests", OTLPSupport.skipReason),
            ("spanlog top's tests", TerminalScreen.skipReason),
            ("the package's tests (scripts/package.sh)", PackageSupport.packageMissing),
            ("lintian's check of the package", PackageContentsTests.lintianMissing),
            ("the package's installs on bare Debian roots", PackageSupport.installSkipReason),
        ])
    }
}
