/// Kubernetes-looking random names and addresses: ReplicaSet hashes, pod suffixes, MACs, UUIDs.
struct NameFactory {
    var rng: Xoshiro256StarStar

    /// The alphabet Kubernetes uses for generated names (no vowels, no look-alike digits).
    private static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789".utf8)

    /// A random string over the Kubernetes alphabet.
    mutating func k8sSuffix(_ length: Int) -> String {
        var bytes: [UInt8] = []
        for _ in 0..<length { bytes.append(Self.alphabet[rng.below(Self.alphabet.count)]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A ReplicaSet pod-template-hash such as `7d9f8b6c4` (8–10 characters).
    mutating func templateHash() -> String {
        k8sSuffix(rng.range(8, 10))
    }

    /// Lowercase hex of the given length.
    mutating func hex(_ length: Int) -> String {
        var out: [UInt8] = []
        while out.count < length { out.putHex(rng.next(), digits: 16) }
        return String(decoding: out.prefix(length), as: UTF8.self)
    }

    /// A locally administered unicast MAC, as veth/lxc devices get.
    mutating func mac() -> String {
        var out: [UInt8] = []
        let raw = rng.next()
        for i in 0..<6 {
            var byte = UInt8(truncatingIfNeeded: raw >> UInt64(8 * i))
            if i == 0 { byte = (byte & 0xFC) | 0x02 }
            if i > 0 { out.append(UInt8(ascii: ":")) }
            out.putHex(UInt64(byte), digits: 2)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A version-4 UUID string.
    mutating func uuid() -> String {
        var out: [UInt8] = []
        out.putUUID(&rng)
        return String(decoding: out, as: UTF8.self)
    }

    /// `n` distinct integers from `lo...hi`, in random order.
    mutating func distinct(_ n: Int, in lo: Int, _ hi: Int) -> [Int] {
        var seen = Set<Int>()
        var out: [Int] = []
        while out.count < n {
            let v = rng.range(lo, hi)
            if seen.insert(v).inserted { out.append(v) }
        }
        return out
    }
}
