#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import SpanlogCore
import SpanlogRuntime

/// Runs a session for a command: prints its notices and errors on stderr and maps the way it
/// ended to an exit status (docs/exit-codes in the README).
enum SessionLauncher {
    static func run(_ configuration: SessionConfiguration, command: String,
                    also: @escaping (SessionNotice) -> Void = { _ in }) throws -> SessionOutcome {
        var configuration = configuration
        configuration.environment = ProcessInfo.processInfo.environment
        let session = Session(configuration) { notice in
            also(notice)
            switch notice {
            case .capturing(let what):
                // Tells the user (and scripts waiting for it) that capture has started.
                printError("spanlog: capturing \(what); Ctrl-C stops")
            case .outputFailed(let name, let reason, let othersContinue):
                printError("spanlog: output \(name) failed: \(reason)" + (othersContinue ? "; the other outputs continue" : "; no other output takes its records"))
            case .collectorLoss(let message):
                printError("spanlog: \(message)")
            case .rulesLoaded(_, let warnings):
                for warning in warnings { printError(warning) }
            case .rulesReloaded(let count, let warnings):
                for warning in warnings { printError(warning) }
                printError("spanlog: rules reloaded (\(Wording.count(count, "rule")))")
            case .rulesNotReloaded(let errors):
                for error in errors { printError(error) }
                printError("spanlog: the new rules were not loaded (\(Wording.count(errors.count, "problem")) above); the previous rules keep running")
            case .waitingForTargets(let notice):
                printError("spanlog: \(notice)")
            case .likelyMistake(let message):
                printError("spanlog: hint: \(message)")
            case .reloadAfterLastEvent:
                printError("spanlog: \(SessionNotice.reloadAfterLastEventText)")
            }
        }
        let outcome: SessionOutcome
        do {
            outcome = try session.run()
        } catch {
            throw fail(error, command: command)
        }
        // With every output failing, nothing the session made reached anyone: it did not do its job.
        if let failure = outcome.everyOutputFailed {
            printError("spanlog \(command): every output failed: \(failure)")
            throw ExitCode(2)
        }
        return outcome
    }

    /// Prints a session's error and gives the exit status it maps to.
    static func fail(_ error: SessionError, command: String) -> ExitCode {
        for detail in error.details { printError(detail) }
        printError("spanlog \(command): \(error)")
        switch error.kind {
        case .usage: return ExitCode(64)
        case .damagedCapture: return ExitCode(1)
        case .environment, .io, .rules: return ExitCode(2)
        }
    }
}

/// Prints a one-line message to standard error.
func printError(_ message: String) {
    var line = message + "\n"
    _ = line.withUTF8 { FileDescriptorIO.writeAll(STDERR_FILENO, UnsafeRawBufferPointer($0)) }
}
