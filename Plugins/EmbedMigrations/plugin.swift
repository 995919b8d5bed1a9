import Foundation
import PackagePlugin

/// Embeds data files of the package into the target that uses this plugin, so the binary needs
/// nothing beside it at run time: `migrations/*.sql` into FlowStore (`EmbeddedMigrations`),
/// `queries/*.cel` into FlowQuery (`EmbeddedQueries`).
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let (folder, suffix, typeName) = target.name == "FlowQuery"
            ? ("queries", ".cel", "EmbeddedQueries") : ("migrations", ".sql", "EmbeddedMigrations")
        let dir = context.package.directoryURL.appending(path: folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(suffix) }
            .sorted()
            .map { dir.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "\(typeName).swift")
        return [.buildCommand(
            displayName: "Embedding \(files.count) \(folder) files",
            executable: try context.tool(named: "MigrationEmbedder").url,
            arguments: [output.path, typeName] + files.map(\.path),
            inputFiles: files,
            outputFiles: [output]
        )]
    }
}
