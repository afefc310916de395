import Foundation
import SpanlogCollector
import SpanlogCore
import SpanlogOutputs
import SpanlogRules
import Yams

/// The service's configuration file (`spanlog daemon --config FILE`, default
/// /etc/spanlog/spanlog.yaml): what to follow, where records go, which rules run, and the options
/// `run` and `tail` take. docs/service.md lists every key. Mistakes are reported at their place.
public struct ServiceConfiguration: Equatable, Sendable {
    public static let defaultPath = "/etc/spanlog/spanlog.yaml"

    public var targets = TargetSelection()
    public var outputs: [OutputSpec] = [.journald]
    public var rules = RuleSelection()
    public var logPaths: [String] = []
    public var journaldSpans = false
    public var spanTimeout: UInt64?
    public var maxOpenSpans = EngineConfiguration.defaultMaxOpenSpans
    public var maxLineBytes = EngineConfiguration.defaultMaxLineBytes
    public var maxWriteBytes = CollectorOptions.defaultMaxWriteBytes
    public var ringBufferSize = CollectorOptions.defaultRingBufferBytes
    public var captureStdout = true
    public var captureStderr = true
    public var showMarkerErrors = true

    static let keys = ["targets", "outputs", "rules", "default_rules", "log_paths", "journald_spans", "span_timeout",
                       "max_open_spans", "max_line_bytes", "max_write_bytes", "ring_buffer_size", "capture_stdout",
                       "capture_stderr", "show_marker_errors"]

    public init() {}

    /// Parses a configuration file's text; every problem is reported as `FILE:LINE:COL: …`.
    public init(yaml: String, file: String) throws(SessionError) {
        var problems: [String] = []
        func problem(_ node: Node?, _ message: String) {
            let mark = node?.mark
            problems.append("\(file):\(mark?.line ?? 1):\(mark?.column ?? 1): error: \(message)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw SessionError(.usage, what: "cannot read \(file)", why: "invalid YAML", details: ["\(file): \(error)"])
        } catch {
            throw SessionError(.usage, what: "cannot read \(file)", why: "\(error)")
        }
        guard let root, case .mapping(let mapping) = root else {
            throw SessionError(.usage, what: "cannot read \(file)", why: "it must be a YAML mapping of settings (targets:, outputs:, …)",
                               fix: "see docs/service.md")
        }
        func integer(_ node: Node, _ key: String, minimum: Int) -> Int? {
            guard let value = node.int, value >= minimum else {
                problem(node, "\(key) takes a whole number of at least \(minimum)")
                return nil
            }
            return value
        }
        func boolean(_ node: Node, _ key: String) -> Bool? {
            guard let value = node.bool else {
                problem(node, "\(key) takes true or false")
                return nil
            }
            return value
        }
        func strings(_ node: Node, _ key: String) -> [String]? {
            guard case .sequence(let items) = node else {
                problem(node, "\(key) takes a list, for example [a, b]")
                return nil
            }
            return items.compactMap { item in
                if item.string == nil { problem(item, "\(key) items are strings") }
                return item.string
            }
        }
        var useDefaultRules = true
        // A setting already reported is not reported again as missing.
        var targetProblems = false, outputProblems = false
        for (keyNode, value) in mapping {
            guard let key = keyNode.string, Self.keys.contains(key) else {
                problem(keyNode, "unknown setting '\(keyNode.string ?? "")'; settings are \(Self.keys.joined(separator: ", "))")
                continue
            }
            switch key {
            case "targets":
                guard case .sequence(let entries) = value else {
                    problem(value, "targets is a list of '- pid: N', '- comm: NAME', '- cgroup: PATH', '- container: ID' or '- all: true'")
                    targetProblems = true
                    continue
                }
                for entry in entries {
                    guard case .mapping(let target) = entry, target.count == 1, let (kindNode, targetValue) = target.first,
                          let kind = kindNode.string else {
                        problem(entry, "a target is one of pid:, comm:, cgroup:, container: or all:")
                        targetProblems = true
                        continue
                    }
                    // comm and cgroup take one value or a list of them.
                    let values: [Node]
                    if case .sequence(let items) = targetValue, kind == "comm" || kind == "cgroup" {
                        values = Array(items)
                    } else {
                        values = [targetValue]
                    }
                    for targetValue in values {
                        let before = problems.count
                        switch kind {
                        case "pid":
                            if let pid = targetValue.int, pid > 0 { targets.pids.append(Int32(pid)) } else { problem(targetValue, "pid takes a process id") }
                        case "comm":
                            guard let comm = targetValue.string, !comm.isEmpty, comm.utf8.count <= 15 else {
                                problem(targetValue, "comm takes a command name of at most 15 bytes, as the kernel keeps it")
                                break
                            }
                            if !targets.comms.contains(comm) { targets.comms.append(comm) }
                        case "cgroup":
                            guard let path = targetValue.string, path.hasPrefix("/") else {
                                problem(targetValue, "cgroup takes the path of a cgroup v2 directory, for example /sys/fs/cgroup/system.slice/nginx.service")
                                break
                            }
                            if !targets.cgroups.contains(path) { targets.cgroups.append(path) }
                        case "container":
                            guard let id = targetValue.string, (12...64).contains(id.count), id.allSatisfy({ $0.isHexDigit }) else {
                                problem(targetValue, "container takes an id of 12 to 64 hex digits")
                                break
                            }
                            // Matched against cgroup names in the kernel at every exec: one, to keep that cheap.
                            if targets.container != nil {
                                problem(kindNode, "only one container target is supported; follow more containers by their cgroups (cgroup: PATH)")
                                break
                            }
                            targets.container = id
                        case "all":
                            if targetValue.bool == true { targets.all = true } else { problem(targetValue, "all takes true") }
                        default:
                            problem(kindNode, "unknown target '\(kind)'; use pid, comm, cgroup, container or all")
                        }
                        if problems.count > before { targetProblems = true }
                    }
                }
                if targets.comms.count > CollectorOptions.maxNamedTargets || targets.cgroups.count > CollectorOptions.maxNamedTargets {
                    problem(value, "at most \(CollectorOptions.maxNamedTargets) command names and \(CollectorOptions.maxNamedTargets) cgroups can be followed")
                }
            case "outputs":
                guard let words = strings(value, key) else {
                    outputProblems = true
                    continue
                }
                outputs = []
                for (index, word) in words.enumerated() {
                    do {
                        outputs.append(try OutputSpec(parsing: word))
                    } catch {
                        if case .sequence(let items) = value { problem(items[index], "\(error)") }
                        outputProblems = true
                    }
                }
            case "rules": rules.paths = strings(value, key) ?? []
            case "default_rules": useDefaultRules = boolean(value, key) ?? true
            case "log_paths": logPaths = strings(value, key) ?? []
            case "journald_spans": journaldSpans = boolean(value, key) ?? false
            case "span_timeout":
                guard let text = value.string, let nanoseconds = DurationParser.nanoseconds(text) else {
                    problem(value, "span_timeout takes a duration such as 30s or 500ms")
                    continue
                }
                spanTimeout = nanoseconds
            case "max_open_spans": maxOpenSpans = integer(value, key, minimum: 1) ?? maxOpenSpans
            case "max_line_bytes": maxLineBytes = integer(value, key, minimum: 1) ?? maxLineBytes
            case "max_write_bytes": maxWriteBytes = integer(value, key, minimum: 1).map { min($0, CollectorOptions.maxWriteBytesLimit) } ?? maxWriteBytes
            case "ring_buffer_size":
                if let size = integer(value, key, minimum: 4096), size & (size - 1) == 0 {
                    ringBufferSize = size
                } else {
                    problem(value, "ring_buffer_size takes a power of two of at least 4096")
                }
            case "capture_stdout": captureStdout = boolean(value, key) ?? true
            case "capture_stderr": captureStderr = boolean(value, key) ?? true
            default: showMarkerErrors = boolean(value, key) ?? true
            }
        }
        rules.useDefaults = useDefaultRules
        rules.noDefaultsSwitch = "default_rules: false in \(file)"
        if targets.isEmpty, !targetProblems {
            problem(root, "no targets: add one, for example targets: [{comm: nginx}] or [{all: true}]")
        }
        if outputs.isEmpty, !outputProblems { problem(root, "no outputs: add one, for example outputs: [journald]") }
        if outputs.filter(\.isStandardOutput).count > 1 { problem(root, "at most one output may write to standard output") }
        if !problems.isEmpty {
            throw SessionError(.usage, what: "cannot use \(file)", why: "\(problems.count) problem\(problems.count == 1 ? "" : "s")",
                               fix: problems.count == 1 ? "fix it" : "fix them", details: problems)
        }
    }

    /// Reads and parses a configuration file.
    public static func load(path: String) throws(SessionError) -> ServiceConfiguration {
        let text: String
        guard let file = fopen(path, "r") else {
            let code = errno
            let why = code == ENOENT ? "there is no such file" : String(cString: strerror(code))
            throw SessionError(.io, what: "cannot read the configuration \(path)", why: why,
                               fix: code == ENOENT
                                   ? "create it (spanlog's install puts a commented one there; spanlog(1) lists the settings) or name another with --config FILE"
                                   : "check its permissions, or name another with --config FILE")
        }
        fclose(file)
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SessionError(.io, what: "cannot read the configuration \(path)", why: "it is not UTF-8 text",
                               fix: "write it as UTF-8 YAML")
        }
        return try ServiceConfiguration(yaml: text, file: path)
    }

    /// The session this configuration describes: follow the targets until stopped.
    public var session: SessionConfiguration {
        var configuration = SessionConfiguration(source: .targets(targets))
        configuration.outputs = outputs
        configuration.rules = rules
        configuration.journaldSpans = journaldSpans
        configuration.engine.spanTimeout = spanTimeout
        configuration.engine.maxOpenSpans = maxOpenSpans
        configuration.engine.maxLineBytes = maxLineBytes
        configuration.engine.reportMarkerErrors = showMarkerErrors
        if !logPaths.isEmpty { configuration.collector.logGlobs = logPaths.map(LogPathGlob.init) }
        configuration.collector.maxWriteBytes = maxWriteBytes
        configuration.collector.ringBufferBytes = ringBufferSize
        configuration.collector.captureStdout = captureStdout
        configuration.collector.captureStderr = captureStderr
        return configuration
    }
}
