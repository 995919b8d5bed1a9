/// Builds the GKE-style nodes: names, the dozen node labels Hubble attaches to every flow, addresses and health endpoints.
enum NodeFactory {
    static let zones = ["us-east1-b", "us-east1-c", "us-east1-d"]

    /// The per-node state the pod builder continues from: address allocator and used endpoint IDs.
    struct Allocation {
        var nextHost: Int
        var usedIDs: Set<Int>
    }

    /// `count` nodes: two thirds in the default pool, the rest in a high-memory pool for data stores.
    static func build(count: Int, names: inout NameFactory)
        -> (nodes: [NodeInfo], allocations: [Allocation], highMem: [Int]) {
        let defaultGroup = names.hex(8)
        let highMemGroup = names.hex(8)
        let defaultCount = max(1, count * 2 / 3)
        var nodes: [NodeInfo] = []
        var allocations: [Allocation] = []
        var highMem: [Int] = []
        let hostOctets = names.distinct(count, in: 3, 250)
        for i in 0..<count {
            let isHighMem = i >= defaultCount
            if isHighMem { highMem.append(i) }
            let pool = isHighMem ? "pool-b" : "pool-a"
            let machine = isHighMem ? "n2-highmem-8" : "n2-standard-8"
            let zone = zones[i % zones.count]
            let name = "gke-prod-\(pool)-\(isHighMem ? highMemGroup : defaultGroup)-\(names.k8sSuffix(4))"
            // The labels GKE puts on every node (a subset: the long boot-disk/runtime ones are left out).
            let labels = [
                "beta.kubernetes.io/arch=amd64",
                "beta.kubernetes.io/instance-type=\(machine)",
                "beta.kubernetes.io/os=linux",
                "cloud.google.com/gke-nodepool=\(pool)",
                "cloud.google.com/machine-family=n2",
                "failure-domain.beta.kubernetes.io/zone=\(zone)",
                "kubernetes.io/arch=amd64",
                "kubernetes.io/hostname=\(name)",
                "kubernetes.io/os=linux",
                "node.kubernetes.io/instance-type=\(machine)",
                "topology.kubernetes.io/region=us-east1",
                "topology.kubernetes.io/zone=\(zone)",
            ].sorted()
            let healthID = names.rng.range(1, 4095)
            let healthIP = "10.52.\(i).2"
            nodes.append(NodeInfo(
                name: name,
                nameJSON: JSONBytes.quoted(name),
                labelsJSON: JSONBytes.stringArray(labels),
                ipJSON: JSONBytes.quoted("10.132.0.\(hostOctets[i])"),
                eth0JSON: Array("{\"index\":2,\"name\":\"eth0\"}".utf8),
                eth0MAC: JSONBytes.quoted(names.mac()),
                gatewayMAC: JSONBytes.quoted(names.mac()),
                healthLocalJSON: Array("{\"ID\":\(healthID),\"identity\":4,\"labels\":[\"reserved:health\"]}".utf8),
                healthIPJSON: JSONBytes.quoted(healthIP),
                healthInterfaceJSON: Array("{\"index\":\(names.rng.range(8, 14)),\"name\":\"lxc_health\"}".utf8),
                healthMAC: JSONBytes.quoted(names.mac()),
                healthLxcMAC: JSONBytes.quoted(names.mac()),
                httpProxyPort: names.rng.range(10000, 20000),
                dnsProxyPort: names.rng.range(30000, 45000)))
            allocations.append(Allocation(nextHost: 10, usedIDs: [healthID]))
        }
        return (nodes, allocations, highMem)
    }
}
