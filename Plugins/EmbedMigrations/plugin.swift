import Foundation
import PackagePlugin

/// Embeds data files of the package into the target that uses this plugin, so the binary needs
/// nothing beside it at run time: `migrations/*.sql` into FlowStore (`EmbeddedMigrations`),
/// `queries/*.cel` into FlowQuery (`EmbeddedQueries`), `migrations/clickhouse/*.sql` into
/// FlowClickHouse (`EmbeddedClickHouseMigrations`), and every file under `web/` (the page
/// `flowtrail serve` serves at `/`) into FlowServer (`EmbeddedWebAssets`, named by their path
/// under `web/`).
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        if target.name == "FlowServer" { return try webAssets(context) }
        let (folder, suffix, typeName) = switch target.name {
        case "FlowQuery": ("queries", ".cel", "EmbeddedQueries")
        case "FlowClickHouse": ("migrations/clickhouse", ".sql", "EmbeddedClickHouseMigrations")
        default: ("migrations", ".sql", "EmbeddedMigrations")
        }
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

    /// `web/**` (text files only: HTML, CSS, JavaScript, SVG), named by their relative path.
    private func webAssets(_ context: PluginContext) throws -> [Command] {
        let dir = context.package.directoryURL.appending(path: "web")
        let relative = (try? FileManager.default.subpathsOfDirectory(atPath: dir.path)) ?? []
        let files = relative.sorted().filter { name in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: dir.appending(path: name).path, isDirectory: &isDirectory)
            return !isDirectory.boolValue && !name.split(separator: "/").contains { $0.hasPrefix(".") }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedWebAssets.swift")
        return [.buildCommand(
            displayName: "Embedding \(files.count) web files",
            executable: try context.tool(named: "MigrationEmbedder").url,
            arguments: [output.path, "EmbeddedWebAssets", "--root", dir.path] + files.map { dir.appending(path: $0).path },
            inputFiles: files.map { dir.appending(path: $0) },
            outputFiles: [output]
        )]
    }
}
