import Foundation
import PackagePlugin

/// Writes the commit spanlog is built from into the binary (`spanlog --version`), and whether the
/// tree had changes beyond it. The build is rerun when HEAD, the branch it names, the index or
/// any of the package's source files change.
@main
struct EmbedBuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        var git = context.package.directoryURL.appending(path: ".git")
        // A linked worktree (git worktree add): .git is a file naming its own git directory,
        // whose branches live in the main repository's (commondir).
        if let link = try? String(contentsOf: git, encoding: .utf8), link.hasPrefix("gitdir: ") {
            let path = link.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines)
            git = path.hasPrefix("/") ? URL(fileURLWithPath: path) : context.package.directoryURL.appending(path: path)
        }
        var common = git
        if let relative = try? String(contentsOf: git.appending(path: "commondir"), encoding: .utf8) {
            let path = relative.trimmingCharacters(in: .whitespacesAndNewlines)
            common = path.hasPrefix("/") ? URL(fileURLWithPath: path) : git.appending(path: path)
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo.swift")
        var inputs = [git.appending(path: "HEAD")]
        if let head = try? String(contentsOf: git.appending(path: "HEAD"), encoding: .utf8), head.hasPrefix("ref: ") {
            inputs.append(common.appending(path: head.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)))
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
