#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import SpanlogCore
import SpanlogOutputs
import SpanlogRuntime

struct MarkersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "markers",
        abstract: "Work with tracer markers.",
        subcommands: [LintCommand.self]
    )

    struct LintCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "Check tracer markers, one per line, and say what each one means.",
            discussion: """
                Reads standard input when no file is given. Blank lines are skipped. Exits with \
                status 1 when any line is not a valid marker.
                """
        )

        @Argument(help: "Files holding one marker per line ('-' for standard input).")
        var files: [String] = []

        @Option(help: "Output format: 'text', or 'json' for one object per input line.")
        var format: OutputFormat = .text

        func run() throws {
            let out = FileDescriptorOutput(fd: STDOUT_FILENO)
            var report = MarkerLintReport()
            for file in files.isEmpty ? ["-"] : files {
                if let refusal = CallerAccess.refusalToRead(file) {
                    printError("spanlog markers lint: \(refusal)")
                    throw ExitCode(2)
                }
                guard let bytes = readAll(file) else {
                    printError("spanlog markers lint: cannot read \(file): \(String(cString: strerror(errno)))")
                    throw ExitCode(2)
                }
                let name = file == "-" ? "<stdin>" : file
                var text = report.lint(bytes, name: name, json: format == .json)
                text.withUTF8 { out.write(UnsafeRawBufferPointer($0)) }
            }
            if format == .text {
                var summary = "\(report.valid) valid, \(report.invalid) invalid\n"
                summary.withUTF8 { out.write(UnsafeRawBufferPointer($0)) }
            }
            if report.invalid > 0 { throw ExitCode(1) }
        }

        private func readAll(_ file: String) -> [UInt8]? {
            let fd = file == "-" ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { if fd != STDIN_FILENO { close(fd) } }
            return FileDescriptorIO.readAll(fd)
        }
    }
}
