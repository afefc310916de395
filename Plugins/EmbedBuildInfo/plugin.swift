import Foundation
import PackagePlugin

/// Writes the commit spanlog is built from into the binary (`spanlog --version`), and whether the
/// tree had changes beyond it. The build is rerun when HEAD, the branch it names, the index or
/// any of the package's source files change.
@main
struct EmbedBuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let git = context.package.directoryURL.appending(path: ".git")
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo.swift")
        var inputs = [git.appending(path: "HEAD")]
        if let head = try? String(contentsOf: git.appending(path: "HEAD"), encoding: .utf8), head.hasPrefix("ref: ") {
            inputs.append(git.appending(path: head.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        inputs.append(git.appending(path: "index"))
        for module in context.package.targets.compactMap({ $0 as? SourceModuleTarget }) {
            inputs += module.sourceFiles.map(\.url)
        }
        inputs = inputs.filter { FileManager.default.fileExists(atPath: $0.path) }
        return [
            .buildCommand(
                displayName: "Embedding the commit spanlog is built from",
                executable: try context.tool(named: "spanlog-build-info").url,
                arguments: [git.path, output.path, context.package.directoryURL.path],
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}
