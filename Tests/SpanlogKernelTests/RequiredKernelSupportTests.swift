import SpanlogTestSupport
import Foundation
import Testing

/// The kernel suites skip, with their reason, where they cannot run. Under `CI=true` or
/// `SPANLOG_REQUIRE_KERNEL=1` a skip would be a silent pass, so these fail the run instead.
@Suite struct RequiredKernelSupportTests {
    /// Also run in every kernel matrix guest.
    @Test func kernelTestsRunWhereTheyMust() {
        SkipPolicy.require([("the kernel tests", KernelSupport.skipReason)])
    }

    /// On the host: the tools and the cgroup hierarchy some kernel tests use.
    @Test func whatSomeKernelTestsUseIsThere() {
        SkipPolicy.require([
            ("the container-cgroup tests",
             KernelSupport.writableCgroupHierarchy == nil ? "no writable cgroup hierarchy to make a container cgroup in" : nil),
            ("the loaded-program listing tests",
             FileManager.default.isExecutableFile(atPath: "/usr/sbin/bpftool") ? nil : "bpftool is not installed (scripts/setup.sh installs it)"),
        ])
    }
}
