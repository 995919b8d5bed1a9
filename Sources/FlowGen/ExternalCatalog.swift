/// Internet services the cluster's workloads call, with the addresses their names resolve to.
///
/// Written `name port/proto ttl ipv4[,ipv4…] [ipv6[,ipv6…]] [cname]`; `-` leaves a column empty.
/// Addresses are plausible public ones for each provider; they only need to look real.
enum ExternalCatalog {
    static let entries: [String] = [
        "api.github.com 443/tcp 60 140.82.121.6 - -",
        "github.com 443/tcp 60 140.82.121.3 - -",
        "objects.githubusercontent.com 443/tcp 300 185.199.108.133,185.199.109.133,185.199.110.133 2606:50c0:8000::154,2606:50c0:8001::154 -",
        "registry-1.docker.io 443/tcp 60 54.196.99.49,3.219.239.5 - -",
        "auth.docker.io 443/tcp 60 3.228.146.75 - -",
        "production.cloudflare.docker.com 443/tcp 300 104.16.98.215,104.16.99.215 2606:4700::6810:62d7 -",
        "ghcr.io 443/tcp 60 140.82.121.33 - -",
        "quay.io 443/tcp 60 52.5.139.192,54.144.203.57 - -",
        "api.stripe.com 443/tcp 60 54.187.174.169,54.187.205.235 - -",
        "hooks.slack.com 443/tcp 60 34.202.45.214 - -",
        "api.sendgrid.com 443/tcp 300 168.245.100.1 - -",
        "api.twilio.com 443/tcp 60 54.172.60.1,54.244.51.3 - -",
        "fcm.googleapis.com 443/tcp 300 142.250.179.170 2a00:1450:400e:80c::200a -",
        "oauth2.googleapis.com 443/tcp 300 142.250.102.95 2a00:1450:4013:c00::5f -",
        "storage.googleapis.com 443/tcp 300 172.217.168.219,142.251.39.123 2a00:1450:400e:810::201b -",
        "o450123.ingest.sentry.io 443/tcp 60 34.120.195.249 - -",
        "api.segment.io 443/tcp 60 52.34.77.50,54.213.61.192 - api-segment-io-1894061651.us-west-2.elb.amazonaws.com.",
        "acme-v02.api.letsencrypt.org 443/tcp 300 172.65.32.248 2606:4700:60:0:f53d:5624:85c7:3a2c -",
        "pypi.org 443/tcp 60 151.101.0.223,151.101.64.223 2a04:4e42::223 -",
        "files.pythonhosted.org 443/tcp 60 151.101.1.63 2a04:4e42:200::319 -",
        "proxy.golang.org 443/tcp 300 142.251.36.17 2a00:1450:400e:811::2011 -",
        "registry.npmjs.org 443/tcp 300 104.16.2.35,104.16.3.35 - -",
        "huggingface.co 443/tcp 60 18.172.134.4,18.172.134.24 - -",
        "api.pagerduty.com 443/tcp 60 44.224.208.118 - -",
        "login.microsoftonline.com 443/tcp 300 20.190.159.68,40.126.31.67 - login.mso.msidentity.com.",
        "s3.eu-west-1.amazonaws.com 443/tcp 5 52.218.92.130,3.5.71.197 - s3-r-w.eu-west-1.amazonaws.com.",
        "time.google.com 123/udp 300 216.239.35.0,216.239.35.4 2001:4860:4806:: -",
        "metadata.google.internal 80/tcp 300 169.254.169.254 - -",
    ]

    /// Index of the instance-metadata entry (a deny policy targets it).
    static let metadataName = "metadata.google.internal"

    /// Parsed fields of one entry.
    struct Entry {
        let name: String
        let port: Int
        let udp: Bool
        let ttl: Int
        let ipv4: [String]
        let ipv6: [String]
        let cname: String?
    }

    static func parse(_ line: String) -> Entry {
        let f = line.split(separator: " ").map(String.init)
        precondition(f.count == 6, "bad external entry \(line)")
        let portProto = f[1].split(separator: "/")
        func list(_ s: String) -> [String] { s == "-" ? [] : s.split(separator: ",").map(String.init) }
        return Entry(name: f[0], port: Int(portProto[0]) ?? 443, udp: portProto[1] == "udp",
                     ttl: Int(f[2]) ?? 60, ipv4: list(f[3]), ipv6: list(f[4]), cname: f[5] == "-" ? nil : f[5])
    }
}
