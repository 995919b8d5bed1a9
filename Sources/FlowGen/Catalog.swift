/// The cluster's fixed shape: namespaces and their workloads. Seeds vary hashes, IPs and placement, not names.
///
/// One workload per entry, written `name kind replicas role[:port]`, where kind is D (Deployment),
/// S (StatefulSet) or X (DaemonSet, one pod per node; the replica count is ignored). The mix —
/// a shop, payments, data stores, brokers, platform add-ons — is what a mid-size production
/// cluster running Cilium looks like, and gives ~400 pods over ~30 namespaces.
enum Catalog {
    /// A namespace: name, owning team, environment and whether its endpoints run in policy audit mode.
    struct Namespace {
        let name: String
        let team: String
        let environment: String
        let audit: Bool
        let workloads: String
    }

    static let namespaces: [Namespace] = [
        .init(name: "kube-system", team: "platform", environment: "production", audit: false, workloads:
            "coredns D 3 dns; metrics-server D 2 tls:10250; hubble-relay D 1 grpc:4245; hubble-ui D 1 web:8081; cluster-autoscaler D 1 worker; konnectivity-agent D 4 worker; kured X 0 worker"),
        .init(name: "monitoring", team: "observability", environment: "production", audit: false, workloads:
            "prometheus S 2 http:9090; alertmanager S 3 http:9093; grafana D 2 web:3000; kube-state-metrics D 2 http:8080; blackbox-exporter D 1 http:9115; node-problem-detector X 0 worker"),
        .init(name: "logging", team: "observability", environment: "production", audit: false, workloads:
            "fluent-bit X 0 http:2020; loki S 3 loki; loki-gateway D 2 http:8080"),
        .init(name: "tracing", team: "observability", environment: "production", audit: false, workloads:
            "otel-collector D 3 otlp; otel-agent X 0 otlp; tempo S 2 otlp; jaeger-query D 1 http:16686"),
        .init(name: "ingress-nginx", team: "platform", environment: "production", audit: false, workloads:
            "ingress-nginx-controller D 4 tls:443"),
        .init(name: "cert-manager", team: "platform", environment: "production", audit: false, workloads:
            "cert-manager D 1 worker; cert-manager-webhook D 2 tls:10250; cert-manager-cainjector D 1 worker"),
        .init(name: "argocd", team: "platform", environment: "production", audit: false, workloads:
            "argocd-server D 2 tls:8080; argocd-repo-server D 3 grpc:8081; argocd-application-controller S 1 worker; argocd-redis D 1 redis; argocd-dex-server D 1 http:5556"),
        .init(name: "security", team: "security", environment: "production", audit: false, workloads:
            "kyverno D 3 tls:9443; falco X 0 worker; trivy-operator D 1 worker"),
        .init(name: "vault", team: "security", environment: "production", audit: false, workloads:
            "vault S 3 vault; vault-agent-injector D 2 tls:8080"),
        .init(name: "shop", team: "storefront", environment: "production", audit: false, workloads:
            "frontend D 8 web; checkout D 6 http; cart D 5 grpc; catalog D 6 http; recommendation D 4 grpc; shipping D 2 http; email D 2 grpc; currency D 3 grpc; ad D 2 grpc; search-api D 4 http"),
        .init(name: "payments", team: "payments", environment: "production", audit: false, workloads:
            "payment-api D 5 http; fraud-check D 3 grpc; ledger D 3 http; payment-worker D 4 worker"),
        .init(name: "orders", team: "fulfilment", environment: "production", audit: false, workloads:
            "order-api D 6 http; order-worker D 8 worker; order-events D 2 http"),
        .init(name: "inventory", team: "fulfilment", environment: "production", audit: false, workloads:
            "inventory-api D 5 http; inventory-sync D 2 worker; warehouse-adapter D 2 http"),
        .init(name: "customer", team: "accounts", environment: "production", audit: false, workloads:
            "profile-api D 5 http; preferences D 2 http; loyalty D 2 http; reviews D 4 http"),
        .init(name: "identity", team: "accounts", environment: "production", audit: false, workloads:
            "keycloak S 3 http; auth-gateway D 5 http; session-store S 3 redis"),
        .init(name: "gateway", team: "platform", environment: "production", audit: false, workloads:
            "api-gateway D 8 http; rate-limiter D 3 grpc:8081; oauth2-proxy D 2 http:4180"),
        .init(name: "notifications", team: "engagement", environment: "production", audit: false, workloads:
            "notification-api D 4 http; push-gateway D 2 http; sms-sender D 2 worker; mailer D 2 worker"),
        .init(name: "pricing", team: "storefront", environment: "production", audit: false, workloads:
            "pricing-api D 5 http; promotions D 2 http; tax-service D 2 grpc"),
        .init(name: "shipping", team: "fulfilment", environment: "production", audit: false, workloads:
            "carrier-gateway D 4 http; tracking-api D 4 http; label-service D 2 http"),
        .init(name: "media", team: "content", environment: "production", audit: false, workloads:
            "media-api D 4 http; image-resizer D 8 http; thumbnailer D 3 worker; minio S 4 s3"),
        .init(name: "search", team: "content", environment: "production", audit: false, workloads:
            "elasticsearch-master S 3 es; elasticsearch-data S 5 es; kibana D 1 web:5601"),
        .init(name: "kafka", team: "data-platform", environment: "production", audit: false, workloads:
            "kafka S 5 kafka; zookeeper S 3 zk; schema-registry D 2 http:8081; kafka-connect D 3 http:8083"),
        .init(name: "data", team: "data-platform", environment: "production", audit: false, workloads:
            "postgres S 3 pg; pgbouncer D 3 pg:6432; redis S 3 redis; redis-sentinel S 3 redis:26379"),
        .init(name: "messaging", team: "data-platform", environment: "production", audit: false, workloads:
            "rabbitmq S 3 amqp; nats S 3 nats"),
        .init(name: "analytics", team: "data", environment: "production", audit: false, workloads:
            "clickhouse S 4 ch; event-collector D 6 http; etl-runner D 3 worker; dashboards D 2 web:3000"),
        .init(name: "ml", team: "data", environment: "production", audit: false, workloads:
            "feature-store D 4 grpc; model-serving D 6 http:8501; ranking D 3 grpc; embeddings D 4 http"),
        .init(name: "backoffice", team: "operations", environment: "production", audit: false, workloads:
            "admin-ui D 2 web; reporting D 2 http; cms D 3 http"),
        .init(name: "ci", team: "developer-experience", environment: "tooling", audit: false, workloads:
            "gitlab-runner D 6 worker; buildkitd S 3 grpc:1234; registry-cache D 2 http:5000"),
        .init(name: "staging-shop", team: "storefront", environment: "staging", audit: true, workloads:
            "frontend D 2 web; checkout D 2 http; cart D 2 grpc; catalog D 2 http"),
        .init(name: "dev-sandbox", team: "developer-experience", environment: "development", audit: true, workloads:
            "debug-shell D 1 worker; playground-api D 2 http; load-generator D 2 worker"),
    ]

    /// Parsed form of one workload entry.
    struct WorkloadEntry {
        let name: String
        let kind: WorkloadKind
        let replicas: Int
        let role: WorkloadRole
        let port: Int
    }

    /// Parses a namespace's workload list; the catalog is static, so a typo is a programming error.
    static func entries(_ spec: String) -> [WorkloadEntry] {
        spec.split(separator: ";").map { item in
            let parts = item.split(separator: " ")
            precondition(parts.count == 4, "bad catalog entry \(item)")
            let roleParts = parts[3].split(separator: ":")
            guard let role = WorkloadRole(word: roleParts[0]) else { preconditionFailure("bad role \(item)") }
            let kind: WorkloadKind
            switch parts[1] {
            case "D": kind = .deployment
            case "S": kind = .statefulSet
            default: kind = .daemonSet
            }
            return WorkloadEntry(
                name: String(parts[0]), kind: kind, replicas: Int(parts[2]) ?? 1, role: role,
                port: roleParts.count > 1 ? Int(roleParts[1]) ?? role.defaultPort : role.defaultPort)
        }
    }
}

/// The Kubernetes controller that owns a workload's pods.
enum WorkloadKind {
    case deployment, statefulSet, daemonSet

    var name: String {
        switch self {
        case .deployment: return "Deployment"
        case .statefulSet: return "StatefulSet"
        case .daemonSet: return "DaemonSet"
        }
    }
}
