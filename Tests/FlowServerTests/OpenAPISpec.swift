import FlowTestSupport
import Foundation
import XCTest
import Yams

/// docs/openapi.yaml, and a check of a response against it: the route and status must be
/// described, and a JSON body must match the schema (type, required, properties, items,
/// enum, minimum/maximum, nullable, $ref).
enum OpenAPISpec {
    static let document: [String: Any] = {
        let text = try! String(contentsOfFile: Paths.packageRoot.appendingPathComponent("docs/openapi.yaml").path, encoding: .utf8)
        return try! Yams.load(yaml: text) as! [String: Any]
    }()

    /// Problems with `response` as the answer to `method path` (path as in the spec, e.g.
    /// `/api/v1/queries/{name}/flows`); empty when it conforms.
    static func problems(_ method: String, _ path: String, _ response: HTTPClient.Response) -> [String] {
        guard let paths = document["paths"] as? [String: Any], let item = paths[path] as? [String: Any] else {
            return ["path \(path) is not in openapi.yaml"]
        }
        guard let op = item[method.lowercased()] as? [String: Any], let responses = op["responses"] as? [String: Any] else {
            return ["\(method) \(path) is not in openapi.yaml"]
        }
        guard var described = responses[String(response.status)] as? [String: Any] else {
            return ["\(method) \(path) does not describe status \(response.status)"]
        }
        if let ref = described["$ref"] as? String { described = resolve(ref) }
        let type = (response.header("content-type") ?? "").split(separator: ";").first.map(String.init) ?? ""
        guard let content = described["content"] as? [String: Any] else { return [] }
        guard let media = content[type] as? [String: Any] else {
            return ["\(method) \(path) \(response.status) does not describe content type \(type)"]
        }
        guard type == "application/json", let schema = media["schema"] as? [String: Any] else { return [] }
        guard let value = try? JSONSerialization.jsonObject(with: response.body, options: [.fragmentsAllowed]) else {
            return ["body is not JSON: \(response.text.prefix(200))"]
        }
        return check(value, schema, at: "$")
    }

    static func assertConforms(_ method: String, _ path: String, _ response: HTTPClient.Response,
                               file: StaticString = #filePath, line: UInt = #line) {
        let p = problems(method, path, response)
        XCTAssertTrue(p.isEmpty, "\(method) \(path) → \(response.status): \(p.joined(separator: "; "))", file: file, line: line)
    }

    static func resolve(_ ref: String) -> [String: Any] {
        var node: Any = document
        for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] as Any }
        return node as? [String: Any] ?? [:]
    }

    static func check(_ value: Any, _ schemaIn: [String: Any], at where_: String) -> [String] {
        var schema = schemaIn
        if let ref = schema["$ref"] as? String { schema = resolve(ref) }
        if value is NSNull { return schema["nullable"] as? Bool == true ? [] : ["\(where_) is null"] }
        var out: [String] = []
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { "\($0)" == "\(value)" }) {
            out.append("\(where_) = \(value) is not one of \(allowed)")
        }
        switch schema["type"] as? String {
        case "object":
            guard let obj = value as? [String: Any] else { return ["\(where_) is not an object"] }
            for key in schema["required"] as? [String] ?? [] where obj[key] == nil { out.append("\(where_).\(key) is missing") }
            for (key, sub) in schema["properties"] as? [String: Any] ?? [:] {
                if let v = obj[key], let s = sub as? [String: Any] { out += check(v, s, at: "\(where_).\(key)") }
            }
        case "array":
            guard let arr = value as? [Any] else { return ["\(where_) is not an array"] }
            if let items = schema["items"] as? [String: Any] {
                for (k, v) in arr.enumerated() { out += check(v, items, at: "\(where_)[\(k)]") }
            }
        case "string":
            if !(value is String) { out.append("\(where_) is not a string") }
        case "integer":
            guard let n = value as? NSNumber, n.doubleValue == n.doubleValue.rounded() else {
                return ["\(where_) is not an integer"]
            }
            if let min = schema["minimum"] as? Int, n.intValue < min { out.append("\(where_) < \(min)") }
            if let max = schema["maximum"] as? Int, n.intValue > max { out.append("\(where_) > \(max)") }
        case "boolean":
            if !(value is Bool) && !(value is NSNumber) { out.append("\(where_) is not a boolean") }
        default:
            break
        }
        return out
    }
}
