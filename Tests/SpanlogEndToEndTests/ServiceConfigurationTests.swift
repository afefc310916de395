import SpanlogTestSupport
import Foundation
import SpanlogRuntime
import Testing

/// The service's configuration file and `daemon --check`: several targets of each kind, one
/// report per mistake, and exit statuses as `rules check` has them.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: SpanlogBinary.url.path),
                "the spanlog binary is not built (swift build)"))
struct ServiceConfigurationTests {
    @Test func severalTargetsOfEachKindMix() throws {
        let configuration = try ServiceConfiguration(yaml: """
            targets:
              - comm: [nginx, php-fpm]
              - comm: redis-server
              - cgroup: /sys/fs/cgroup/system.slice/shop.service
              - cgroup: [/sys/fs/cgroup/system.slice/cart.service]
              - pid: 42
            """, file: "spanlog.yaml")
        #expect(configuration.targets.comms == ["nginx", "php-fpm", "redis-server"])
        #expect(configuration.targets.cgroups.count == 2)
        #expect(configuration.targets.pids == [42])
    }

    @Test func aBadOutputIsOneProblemNotTwo() throws {
        let scratch = try Scratch()
        try "targets:\n  - comm: nginx\noutputs: [xml]\n".write(toFile: scratch.path("bad.yaml"), atomically: true, encoding: .utf8)
        let check = try SpanlogBinary.run(["daemon", "--check", "--config", scratch.path("bad.yaml")])
        #expect(check.status == 1, "as rules check: a problem in the input")
        #expect(check.stderr.contains("bad.yaml:3:11: error: unknown output 'xml'"), "\(check.stderr)")
        #expect(!check.stderr.contains("no outputs"), "no knock-on error: \(check.stderr)")
        #expect(check.stderr.contains("1 problem; fix it"))

        try "targets:\n  - comm: a-name-longer-than-15\n".write(toFile: scratch.path("target.yaml"), atomically: true, encoding: .utf8)
        let target = try SpanlogBinary.run(["daemon", "--check", "--config", scratch.path("target.yaml")])
        #expect(target.status == 1)
        #expect(!target.stderr.contains("no targets"), "\(target.stderr)")
    }

    @Test func aMissingFileNamesItsPathAndWhatToDo() throws {
        let missing = "/nonexistent-spanlog-dir/spanlog.yaml"
        let check = try SpanlogBinary.run(["daemon", "--check", "--config", missing])
        #expect(check.status == 1)
        #expect(check.stderr.contains("cannot read the configuration \(missing): there is no such file; create it"),
                "\(check.stderr)")
        #expect(try SpanlogBinary.run(["daemon", "--config", missing]).status == 2, "the service could not start")
    }

    @Test func ruleErrorsGetAdviceThatFitsWhereTheRulesCameFrom() throws {
        let scratch = try Scratch()
        try "targets:\n  - comm: nginx\nrules: [\(scratch.path("mine.yaml"))]\n"
            .write(toFile: scratch.path("spanlog.yaml"), atomically: true, encoding: .utf8)
        try "- rule: r\n  condition: span.nope = 1\n  output: x\n".write(toFile: scratch.path("mine.yaml"), atomically: true,
                                                                       encoding: .utf8)
        let check = try SpanlogBinary.run(["daemon", "--check", "--config", scratch.path("spanlog.yaml")])
        #expect(check.status == 1)
        #expect(check.stderr.contains("spanlog rules check \(scratch.path("mine.yaml")) shows every problem"), "\(check.stderr)")
        #expect(!check.stderr.contains("no-default-rules") && !check.stderr.contains("default_rules"))

        let replay = try SpanlogBinary.run(["replay", "/dev/null", "--rules", scratch.path("mine.yaml")])
        #expect(replay.stderr.contains("spanlog rules check \(scratch.path("mine.yaml"))"), "\(replay.stderr)")
        #expect(!replay.stderr.contains("--no-default-rules"), "the rules were named, not the defaults")
    }
}
