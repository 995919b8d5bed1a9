// Build-time tool: turns migrations/NNNN_name.sql into a Swift source file, so the SQL files
// stay the single source of the schema and the binary needs no files beside it at run time.
import Foundation

let args = CommandLine.arguments
guard args.count >= 3 else {
    FileHandle.standardError.write(Data("usage: MigrationEmbedder OUTPUT.swift FILE.sql...\n".utf8))
    exit(2)
}
let output = args[1]
let inputs = args.dropFirst(2).sorted { ($0 as NSString).lastPathComponent < ($1 as NSString).lastPathComponent }
var text = "// Generated from migrations/*.sql by MigrationEmbedder. Do not edit.\n"
text += "enum EmbeddedMigrations {\n    static let all: [(name: String, sql: String)] = [\n"
for path in inputs {
    let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    let sql = try String(contentsOfFile: path, encoding: .utf8)
    text += "        (\(String(reflecting: name)), \(String(reflecting: sql))),\n"
}
text += "    ]\n}\n"
try text.write(toFile: output, atomically: true, encoding: .utf8)
