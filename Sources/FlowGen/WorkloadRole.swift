/// What a workload listens on: port, transport, and which application protocol the L7 proxy would see.
enum WorkloadRole {
    case web, http, grpc, postgres, redis, kafka, zookeeper, elasticsearch, amqp, nats
    case clickhouse, dns, tls, worker, vault, otlp, loki, s3

    /// Parses the catalog's role word.
    init?(word: Substring) {
        switch word {
        case "web": self = .web
        case "http": self = .http
        case "grpc": self = .grpc
        case "pg": self = .postgres
        case "redis": self = .redis
        case "kafka": self = .kafka
        case "zk": self = .zookeeper
        case "es": self = .elasticsearch
        case "amqp": self = .amqp
        case "nats": self = .nats
        case "ch": self = .clickhouse
        case "dns": self = .dns
        case "tls": self = .tls
        case "worker": self = .worker
        case "vault": self = .vault
        case "otlp": self = .otlp
        case "loki": self = .loki
        case "s3": self = .s3
        default: return nil
        }
    }

    /// The port clients connect to when the catalog gives none.
    var defaultPort: Int {
        switch self {
        case .web: return 8080
        case .http: return 8080
        case .grpc: return 50051
        case .postgres: return 5432
        case .redis: return 6379
        case .kafka: return 9092
        case .zookeeper: return 2181
        case .elasticsearch: return 9200
        case .amqp: return 5672
        case .nats: return 4222
        case .clickhouse: return 8123
        case .dns: return 53
        case .tls: return 8443
        case .worker: return 9090
        case .vault: return 8200
        case .otlp: return 4317
        case .loki: return 3100
        case .s3: return 9000
        }
    }

    /// Whether other workloads connect to it (workers only get scraped for metrics).
    var isServer: Bool { self != .worker }

    /// HTTP-family roles the proxy can parse; TLS, databases and brokers stay L3/L4.
    var l7: L7Protocol {
        switch self {
        case .web, .http, .elasticsearch, .clickhouse, .loki, .s3: return .http
        case .grpc, .otlp: return .grpc
        default: return .none
        }
    }
}

/// The application protocol carried on an edge, as far as Hubble's HTTP parser is concerned.
enum L7Protocol {
    case none, http, grpc
}
