import FlowHubble
import FlowModel
import FlowQuery
import Hummingbird

/// `GET /api/v1/catalog`: what an expression can name, for completion in the web page and other
/// editors: every field path with its type, every enum's constants, every function's overloads,
/// and the macros, read from the same catalog and function table the checker uses; and the
/// drop reason texts, trace point names and reserved identity names `hubble observe` prints, so
/// the page prints flows as the CLI does without copies of Cilium's tables.
extension APIContext {
    func catalog(_ request: Request) async throws -> Response {
        _ = try QueryParameters(request.uri.query, allowed: [])
        return .json(CatalogAnswer.json)
    }
}

enum CatalogAnswer {
    /// Built once: the catalog does not change while the server runs.
    static let json: String = {
        let fields = FieldCatalog.paths.keys.sorted().map { path in
            JSONWriter.object([("path", JSONWriter.quote(path)),
                               ("type", JSONWriter.quote(FieldCatalog.paths[path]!.type.description))])
        }
        let enums = FlowEnums.all.sorted { $0.name < $1.name }.map { e in
            JSONWriter.quote(e.name) + ":[" + e.values.map { JSONWriter.quote($0.name) }.joined(separator: ",") + "]"
        }
        var byName: [String: [String]] = [:]
        for d in FunctionLibrary.declarations {
            for o in d.overloads {
                let args = o.parameters.map(\.description)
                let call = d.isMethod
                    ? "\(args.first ?? "").\(d.name)(\(args.dropFirst().joined(separator: ", ")))"
                    : "\(d.name)(\(args.joined(separator: ", ")))"
                byName[d.name, default: []].append("\(call) -> \(o.result)")
            }
        }
        let functions = byName.keys.sorted().map { name in
            JSONWriter.object([("name", JSONWriter.quote(name)),
                               ("overloads", "[" + byName[name]!.map(JSONWriter.quote).joined(separator: ",") + "]")])
        }
        // The macros the checker expands (Checker: has, exists, all, exists_one).
        let macros = ["has", "all", "exists", "exists_one"].map(JSONWriter.quote)
        // How hubble observe prints a drop's type, by drop reason code: so the page prints flows
        // as the CLI does without a copy of Cilium's table.
        let dropTexts = DropReasonText.byCode.keys.sorted().map { code in
            JSONWriter.quote(String(code)) + ":" + JSONWriter.quote(DropReasonText.byCode[code]!)
        }
        // The monitor's trace observation points by sub-type, and reserved identities' names as
        // Hubble prints them (`(world)`), from the same tables the CLI's printer uses.
        let tracePoints = HubbleNames.traceSubTypes.map { JSONWriter.quote(String($0.number)) + ":" + JSONWriter.quote($0.name) }
        let identityNames = HubbleNames.reservedIdentities.map(\.number).reduce(into: [UInt32(0)]) { $0.append($1) }
            .compactMap { n in HubbleNames.displayName(n).map { JSONWriter.quote(String(n)) + ":" + JSONWriter.quote($0) } }
        return JSONWriter.object([
            ("fields", "[" + fields.joined(separator: ",") + "]"),
            ("drop_reason_texts", "{" + dropTexts.joined(separator: ",") + "}"),
            ("trace_points", "{" + tracePoints.joined(separator: ",") + "}"),
            ("identity_names", "{" + identityNames.joined(separator: ",") + "}"),
            ("enums", "{" + enums.joined(separator: ",") + "}"),
            ("functions", "[" + functions.joined(separator: ",") + "]"),
            ("macros", "[" + macros.joined(separator: ",") + "]"),
        ])
    }()
}
