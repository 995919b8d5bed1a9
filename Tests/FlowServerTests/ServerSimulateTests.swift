import FlowTestSupport
import Foundation
import XCTest

/// `POST /api/v1/simulate` on a real server: the YAML body, multipart files, the CLI's answer,
/// and clean 4xx answers for bad policies and bodies.
final class ServerSimulateTests: XCTestCase {
    static let denyIngress = """
        apiVersion: cilium.io/v2
        kind: CiliumClusterwideNetworkPolicy
        metadata: {name: deny-all-ingress}
        spec:
          endpointSelector: {}
          ingress: [{}]
        """
    static let allowDNS = """
        apiVersion: cilium.io/v2
        kind: CiliumClusterwideNetworkPolicy
        metadata: {name: dns}
        spec:
          endpointSelector: {}
          ingress:
          - fromEntities: [cluster]
            toPorts: [{ports: [{port: "53", protocol: ANY}]}]
        """

    func testSimulateMatchesTheCommandForBodiesAndMultipart() throws {
        let s = try Scratch()
        let db = s.path("s.db"), flows = s.path("f.jsonl"), p1 = s.path("p1.yaml"), p2 = s.path("p2.yaml")
        try writeLines(generatedLines(3000), to: flows)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, flows]).status, 0)
        try Self.denyIngress.write(toFile: p1, atomically: true, encoding: .utf8)
        try Self.allowDNS.write(toFile: p2, atomically: true, encoding: .utf8)
        let cli = try runFlowtrail(["simulate", "--db", db, "--policy", p1, "--policy", p2, "-o", "json"])
        XCTAssertEqual(cli.status, 0, cli.err)
        let cliJSON = try jsonObject(Substring(cli.out))
        XCTAssertGreaterThan(cliJSON["flows_evaluated"] as! Int, 0)
        XCTAssertGreaterThan((cliJSON["changes"] as! [String: Int])["allowed_to_denied"]!, 0)

        let server = try ServerProcess(db: db)
        var client = server.client()
        // One YAML stream in the body.
        client.headers["Content-Type"] = "application/yaml"
        let body = try client.request("POST", "/api/v1/simulate", body: Data((Self.denyIngress + "\n---\n" + Self.allowDNS).utf8))
        XCTAssertEqual(body.status, 200, body.text)
        OpenAPISpec.assertConforms("POST", "/api/v1/simulate", body)
        XCTAssertEqual(try body.json(), cliJSON)
        // The same as two files of a multipart form.
        let boundary = "flowtrail-test-boundary"
        var form = ""
        for (name, text) in [("p1.yaml", Self.denyIngress), ("p2.yaml", Self.allowDNS)] {
            form += "--\(boundary)\r\nContent-Disposition: form-data; name=\"policy\"; filename=\"\(name)\"\r\nContent-Type: application/yaml\r\n\r\n\(text)\r\n"
        }
        form += "--\(boundary)--\r\n"
        client.headers["Content-Type"] = "multipart/form-data; boundary=\(boundary)"
        let multipart = try client.request("POST", "/api/v1/simulate", body: Data(form.utf8))
        XCTAssertEqual(multipart.status, 200, multipart.text)
        XCTAssertEqual(try multipart.json(), cliJSON)
        // Filters and the range narrow it as on the command line.
        client.headers["Content-Type"] = "application/yaml"
        let narrowed = try client.request("POST", "/api/v1/simulate?filter=traffic_direction%3D%3DTrafficDirection.INGRESS&format=jsonl",
                                          body: Data(Self.denyIngress.utf8))
        XCTAssertEqual(narrowed.status, 200)
        let lines = narrowed.text.split(separator: "\n")
        let cliLines = try runFlowtrail(["simulate", "--db", db, "--policy", p1, "--flows", "traffic_direction == TrafficDirection.INGRESS"])
        XCTAssertEqual(lines, cliLines.out.split(separator: "\n"))
        XCTAssertFalse(lines.isEmpty)
        XCTAssertTrue(lines.allSatisfy { $0.contains("\"direction\":\"INGRESS\"") })

        // Bad input: 4xx with a JSON body naming the reason.
        let refused = try client.request("POST", "/api/v1/simulate",
                                         body: Data(Self.denyIngress.replacingOccurrences(of: "ingress: [{}]", with: "ingress: [{fromEntities: [moon]}]").utf8))
        XCTAssertEqual(refused.status, 400)
        let error = try refused.json()["error"] as! [String: Any]
        XCTAssertEqual(error["code"] as? String, "invalid_policy")
        XCTAssertTrue((error["message"] as! String).contains("spec.ingress[0].fromEntities[0]"), "\(error)")
        OpenAPISpec.assertConforms("POST", "/api/v1/simulate", refused)
        XCTAssertEqual(try client.request("POST", "/api/v1/simulate", body: Data("\n".utf8)).status, 400)
        client.headers["Content-Type"] = "image/png"
        XCTAssertEqual(try client.request("POST", "/api/v1/simulate", body: Data("x".utf8)).status, 415)
        client.headers["Content-Type"] = "application/yaml"
        XCTAssertEqual(try client.request("POST", "/api/v1/simulate?format=xml", body: Data(Self.denyIngress.utf8)).status, 400)
        XCTAssertEqual(try client.request("GET", "/api/v1/simulate").status, 405)
        XCTAssertEqual(server.stop(), 0)
    }
}
