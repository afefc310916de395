import SpanlogTestSupport
import Foundation
import Testing

/// The man pages (packaging/man): clean under mandoc's and groff's checks, and every
/// subcommand and option the binary takes is in spanlog(1).
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: SpanlogBinary.url.path),
                "the spanlog binary is not built (swift build)"))
struct ManualTests {
    static let directory = Repository.root.appendingPathComponent("packaging/man")
    static let pages = ["spanlog.1", "spanlog-rules.5"].map { directory.appendingPathComponent($0).path }

    /// Runs a tool; its standard output and error together.
    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/mandoc"),
                   "mandoc is not installed (scripts/setup.sh installs it)"))
    func mandocFindsNothingToSay() throws {
        let (_, output) = try Self.run("/usr/bin/mandoc", ["-Tlint"] + Self.pages)
        // Notes about this machine's man database, and the two pages not being installed yet
        // for each other's references, are not about the pages.
        let problems = output.split(separator: "\n").filter {
            !$0.contains("mandoc.db") && !$0.contains("referenced manual not found: Xr spanlog")
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/groff"), "groff is not installed"))
    func groffFindsNothingToSay() throws {
        let (status, output) = try Self.run("/usr/bin/groff", ["-ww", "-mandoc", "-Tutf8", "-z"] + Self.pages)
        #expect(status == 0 && output.isEmpty, "\(output)")
    }

    @Test func everySubcommandAndOptionIsDocumented() throws {
        let page = try String(contentsOfFile: Self.pages[0], encoding: .utf8)
        let commands = ["run", "tail", "top", "record", "replay", "summary", "markers lint", "rules check", "rules fields", "daemon"]
        var undocumented: [String] = []
        for command in commands {
            if !page.contains(".Cm \(command)") { undocumented.append(command) }
            let help = try SpanlogBinary.run(command.split(separator: " ").map(String.init) + ["--help"]).stdout
            // The lines that define options: `  --name <value>  help` or `  -w, --write <write>`.
            let definitions = help.split(separator: "\n").map { $0.drop { $0 == " " } }.filter { $0.hasPrefix("-") }
            let options = definitions.flatMap { $0.split(separator: " ").prefix(2) }
                .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ",")) }.filter { $0.hasPrefix("--") }
            for option in Set(options.map { String($0.dropFirst(2)) }) where !["help", "version"].contains(option) {
                if !page.contains("Fl \\-\(option)") { undocumented.append("\(command) --\(option)") }
            }
        }
        #expect(undocumented.isEmpty, "not in spanlog(1): \(undocumented)")
    }
}
