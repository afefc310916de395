import ArgumentParser
import Foundation
import SpanlogRules
import SpanlogRuntime

struct DaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run as a service: follow the configured targets until stopped.",
        discussion: """
            Reads the configuration file (docs/service.md): targets, outputs (journald by default), \
            rules and options. Tells systemd when it is ready and pings its watchdog (Type=notify); \
            SIGHUP reads the file again and reloads the rules (a broken file or rule set is \
            reported and the running one kept); SIGTERM stops it with final stats.
            """
    )

    @Option(help: "The configuration file.")
    var config = ServiceConfiguration.defaultPath

    @Flag(help: "Check the configuration file and its rules, then exit.")
    var check = false

    func run() throws {
        let path = config
        let service: ServiceConfiguration
        do {
            service = try ServiceConfiguration.load(path: path)
        } catch {
            for detail in error.details { printError(detail) }
            printError("spanlog daemon: \(error)\(check || error.kind == .io ? "" : ", then start the service again")")
            // As `rules check`: a checked file with problems is a problem in the input (1); a
            // service that cannot start could not do its job (2).
            throw ExitCode(check ? 1 : 2)
        }
        if check {
            do {
                _ = try service.rules.load()
            } catch {
                for diagnostic in error.diagnostics { printError("\(diagnostic)") }
                let errors = error.errors.count
                printError("spanlog daemon: \(path): its rules have \(errors) error\(errors == 1 ? "" : "s"); \(service.rules.fixAdvice)")
                throw ExitCode(1)
            }
            printError("spanlog daemon: \(path) is valid: following \(service.targets.summary)")
            return
        }
        let notifier = ServiceNotifier(environment: ProcessInfo.processInfo.environment)
        var session = service.session
        var nextPing: UInt64 = 0
        if let interval = notifier.watchdogInterval {
            session.onPoll = {
                let now = DispatchTime.now().uptimeNanoseconds
                guard now >= nextPing else { return }
                nextPing = now + interval
                notifier.notify("WATCHDOG=1")
            }
        }
        session.reloadRules = { () throws(SessionError) -> RuleSelection in
            notifier.notify("RELOADING=1")
            defer { notifier.notify("READY=1\nSTATUS=following \(service.targets.summary)") }
            let reread = try ServiceConfiguration.load(path: path)
            var unchanged = reread
            unchanged.rules = service.rules
            if unchanged != service {
                printError("spanlog daemon: \(path) changed beyond its rules; targets, outputs and options take effect at the next restart")
            }
            return reread.rules
        }
        printError("spanlog daemon: \(path): following \(service.targets.summary); outputs \(service.outputs.map(\.description).joined(separator: ", "))")
        _ = try SessionLauncher.run(session, command: "daemon") { notice in
            switch notice {
            case .capturing(let what):
                notifier.notify("READY=1\nSTATUS=following \(what)")
            // systemctl status shows the outcome of the last reload with the status line.
            case .rulesReloaded(let count, _):
                notifier.notify("STATUS=following \(service.targets.summary); \(count) rule\(count == 1 ? "" : "s") reloaded")
            case .rulesNotReloaded(let errors):
                notifier.notify("STATUS=following \(service.targets.summary); reload failed, the previous rules keep running: \(errors.first ?? "rule errors")")
            default:
                break
            }
        }
        notifier.notify("STOPPING=1")
    }
}
