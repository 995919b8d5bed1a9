/// Resolves a flow's peers to the prebuilt bytes the writer copies: addresses, endpoint objects, MACs, interfaces.
extension ClusterModel {
    /// The quoted IP address of a peer. World peers pick one of their DNS answers by `connection`
    /// (a value both directions of a connection share), so a connection keeps one address.
    @inline(__always)
    func ipJSON(_ peer: Peer, ipv6: Bool, connection: Int) -> [UInt8] {
        switch peer {
        case .pod(let p):
            return ipv6 ? pods[Int(p)].ipv6JSON : pods[Int(p)].ipv4JSON
        case .world(let e):
            let ext = externals[Int(e)]
            let list = ipv6 && !ext.ipv6JSON.isEmpty ? ext.ipv6JSON : ext.ipv4JSON
            return list[connection % list.count]
        case .host(let n), .remoteNode(let n):
            return nodes[Int(n)].ipJSON
        case .apiServer:
            return reserved.apiServerIPJSON
        case .health(let n):
            return nodes[Int(n)].healthIPJSON
        case .clusterIP(let w):
            return workloads[Int(w)].clusterIPJSON
        case .unknownLinkLocal(let p):
            return pods[Int(p)].linkLocalJSON
        case .multicast:
            return Self.allRoutersJSON
        }
    }

    static let allRoutersJSON: [UInt8] = Array("\"ff02::2\"".utf8)

    /// The endpoint object as seen from `node`: local pods and health endpoints carry their endpoint `ID`.
    @inline(__always)
    func endpointJSON(_ peer: Peer, node: Int32) -> [UInt8] {
        switch peer {
        case .pod(let p):
            let pod = pods[Int(p)]
            return pod.node == node ? pod.localJSON : pod.remoteJSON
        case .world, .clusterIP:
            return reserved.world
        case .host:
            return reserved.host
        case .remoteNode:
            return reserved.remoteNode
        case .apiServer:
            return reserved.kubeAPIServer
        case .health(let n):
            return n == node ? nodes[Int(n)].healthLocalJSON : reserved.healthRemote
        case .unknownLinkLocal, .multicast:
            return reserved.unknown
        }
    }

    /// Source and destination MACs (quoted) for an observation point.
    @inline(__always)
    func macs(_ ref: EthernetRef) -> (source: [UInt8], destination: [UInt8])? {
        switch ref {
        case .none: return nil
        case .fromPod(let p): return (pods[Int(p)].macJSON, pods[Int(p)].lxcMACJSON)
        case .toPod(let p): return (pods[Int(p)].lxcMACJSON, pods[Int(p)].macJSON)
        case .eth0Out(let n): return (nodes[Int(n)].eth0MAC, nodes[Int(n)].gatewayMAC)
        case .eth0In(let n): return (nodes[Int(n)].gatewayMAC, nodes[Int(n)].eth0MAC)
        case .toHealth(let n): return (nodes[Int(n)].healthLxcMAC, nodes[Int(n)].healthMAC)
        case .fromHealth(let n): return (nodes[Int(n)].healthMAC, nodes[Int(n)].healthLxcMAC)
        }
    }

    /// The `interface` object, or nil when the observation point has none.
    @inline(__always)
    func interfaceJSON(_ ref: InterfaceRef) -> [UInt8]? {
        switch ref {
        case .none: return nil
        case .lxc(let p): return pods[Int(p)].interfaceJSON
        case .eth0(let n): return nodes[Int(n)].eth0JSON
        case .health(let n): return nodes[Int(n)].healthInterfaceJSON
        }
    }
}
