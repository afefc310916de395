import Foundation
import PackagePlugin

/// Writes the commit spanlog is built from into the binary (`spanlog --version`). Reads the
/// package's `.git` directly: the build is rerun when HEAD or the branch it names moves.
@main
struct EmbedBuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let git = context.package.directoryURL.appending(path: ".git")
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo.swift")
        var inputs = [git.appending(path: "HEAD")]
        if let head = try? String(contentsOf: git.appending(path: "HEAD"), encoding: .utf8), head.hasPrefix("ref: ") {
            inputs.append(git.appending(path: head.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        inputs = inputs.filter { FileManager.default.fileExists(atPath: $0.path) }
        return [
            .buildCommand(
                displayName: "Embedding the commit spanlog is built from",
                executable: try context.tool(named: "spanlog-build-info").url,
                arguments: [git.path, output.path],
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}
