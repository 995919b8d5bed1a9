/// One kind of request a workload serves: method, path, protocol and its normal success code.
struct HTTPRoute {
    let method: [UInt8]
    let path: [UInt8]
    /// A numeric id is appended to `path` per request, which gives URLs realistic cardinality.
    let withID: Bool
    let http2: Bool
    let successCode: Int
}

/// Builds the requests each kind of server receives, with weights (reads dominate writes).
enum HTTPRoutes {
    static func routes(workload name: String, namespace: String, role: WorkloadRole, hash: String)
        -> (routes: [HTTPRoute], weights: [Double]) {
        var routes: [HTTPRoute] = []
        var weights: [Double] = []
        func add(_ method: String, _ path: String, id: Bool = false, h2: Bool = false, code: Int = 200, _ w: Double) {
            routes.append(HTTPRoute(method: Array(method.utf8), path: JSONBytes.bytes(path), withID: id,
                                    http2: h2, successCode: code))
            weights.append(w)
        }
        let resource = resourceName(name)
        switch role {
        case .web:
            add("GET", "/", 2)
            add("GET", "/static/js/main.\(hash).js", 2)
            add("GET", "/static/css/app.\(hash).css", 1)
            add("GET", "/product/", id: true, 3)
            add("GET", "/cart", 1)
            add("POST", "/api/cart/items", code: 201, 1)
            add("GET", "/healthz", 0.5)
        case .grpc:
            let service = "/\(namespace.replacingAll("-", "")).v1.\(camel(name))Service/"
            let entity = camel(singular(resource))
            add("POST", service + "Get\(entity)", h2: true, 5)
            add("POST", service + "List\(entity)s", h2: true, 3)
            add("POST", service + "Create\(entity)", h2: true, 1)
            add("POST", service + "Update\(entity)", h2: true, 0.7)
        case .otlp:
            add("POST", "/opentelemetry.proto.collector.trace.v1.TraceService/Export", h2: true, 5)
            add("POST", "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", h2: true, 3)
            add("POST", "/opentelemetry.proto.collector.logs.v1.LogsService/Export", h2: true, 2)
        case .elasticsearch:
            add("POST", "/_bulk", 4)
            add("POST", "/logs-app-2026.01/_search", 3)
            add("GET", "/_cluster/health", 1)
            add("GET", "/products/_doc/", id: true, 1)
        case .clickhouse:
            add("POST", "/?database=events&query=INSERT%20INTO%20events%20FORMAT%20JSONEachRow", 3)
            add("GET", "/?database=events&query=SELECT%20count()%20FROM%20events", 1)
            add("GET", "/ping", 1)
        case .loki:
            add("POST", "/loki/api/v1/push", code: 204, 5)
            add("GET", "/loki/api/v1/query_range", 1)
            add("GET", "/ready", 1)
        case .s3:
            add("GET", "/media/uploads/", id: true, 5)
            add("PUT", "/media/uploads/", id: true, 2)
            add("GET", "/minio/health/live", 1)
        default:
            add("GET", "/api/v1/\(resource)/", id: true, 5)
            add("GET", "/api/v1/\(resource)?limit=50", 2)
            add("POST", "/api/v1/\(resource)", code: 201, 2)
            add("PUT", "/api/v1/\(resource)/", id: true, 0.6)
            add("DELETE", "/api/v1/\(resource)/", id: true, code: 204, 0.3)
            add("GET", "/healthz", 1)
        }
        return (routes, weights)
    }

    /// `payment-api` → `payments`, `inventory-sync` → `inventory`: the REST collection a service owns.
    static func resourceName(_ workload: String) -> String {
        var base = workload
        for suffix in ["-api", "-service", "-gateway", "-adapter", "-worker", "-sync"] where base.hasSuffix(suffix) {
            base.removeLast(suffix.count)
        }
        base = base.replacingAll("-", "")
        if base.hasSuffix("s") || base.hasSuffix("y") { return base }
        if base.hasSuffix("ch") || base.hasSuffix("sh") { return base + "es" }
        return base + "s"
    }

    static func singular(_ s: String) -> String {
        s.hasSuffix("s") ? String(s.dropLast()) : s
    }

    /// `feature-store` → `FeatureStore`.
    static func camel(_ s: String) -> String {
        s.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

extension String {
    /// Replaces every occurrence of one character (no Foundation needed).
    func replacingAll(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
