import Foundation
import PackagePlugin

/// Compiles bpf/spanlog.bpf.c (with its bpf/*.h parts) with the toolchain's clang, which has
/// the BPF backend, and embeds the object in the target as generated Swift.
@main
struct EmbedBPFObject: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let bpfDirectory = context.package.directoryURL.appending(path: "bpf")
        let source = bpfDirectory.appending(path: "spanlog.bpf.c")
        // Every header in bpf/: a change to any part rebuilds the object.
        let headers = try FileManager.default.contentsOfDirectory(atPath: bpfDirectory.path)
            .filter { $0.hasSuffix(".h") }.sorted().map { bpfDirectory.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedBPFObject.swift")
        let embed = try context.tool(named: "spanlog-bpf-embed")
        let clang = try context.tool(named: "clang")
        let objcopy = (try? context.tool(named: "llvm-objcopy"))?.url.path ?? "-"
        return [
            .buildCommand(
                displayName: "Compiling and embedding the BPF program \(source.lastPathComponent)",
                executable: embed.url,
                arguments: [clang.url.path, objcopy, source.path, output.path],
                inputFiles: [source] + headers,
                outputFiles: [output]
            ),
        ]
    }
}
