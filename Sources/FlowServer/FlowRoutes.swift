import FlowExport
import FlowModel
import FlowQuery
import FlowStore
import Hummingbird
import NIOCore

/// `GET /api/v1/flows`, `/flows/count`, `/queries/{name}/flows`: pages of matching flows.
extension APIContext {
    static let flowParameters = FlowRequest.parameters.union(["limit", "order", "cursor", "format", "follow"])

    /// How a page of flows is written.
    enum PageFormat: String {
        case ndjson, json, csv
    }

    func flows(_ request: Request, savedFilter: String? = nil, channel: any Channel) async throws -> Response {
        // A saved query is the filter: extra filters would be ORed with it and widen it.
        let allowed = savedFilter == nil ? Self.flowParameters : Self.flowParameters.subtracting(["filter"])
        let params = try QueryParameters(request.uri.query, allowed: allowed)
        let query = try FlowRequest(params, extraFilters: savedFilter.map { [$0] } ?? [])
        if try params.bool("follow") {
            // Begun before the response, as the SQLite subscription is: nothing stored meanwhile is missed.
            if let polled = try await pool.run({ try $0.reads.polledFeed(query.filters) }) {
                return follow(polled, channel: channel)
            }
            return follow(query, channel: channel)
        }
        let limit = try params.int("limit", default: 100, range: 1...10_000)
        let descending: Bool
        switch params["order"] ?? "desc" {
        case "desc": descending = true
        case "asc": descending = false
        default: throw APIError.badParameter("order", "expected asc or desc")
        }
        let after = try params["cursor"].map { try PageCursor.decode($0, descending: descending) }
        let format = try Self.pageFormat(params, request)
        let maxBytes = limits.maxPageBytes
        let (body, last, count, lost) = try await pool.run { reader -> ([UInt8], FlowKey?, Int, String) in
            let out = FlowModel.ByteBuffer(capacity: 64 * 1024)
            let csv = format == .csv ? ExportRenderer(format: .csv, columns: nil) : nil
            csv?.header(into: out)
            if format == .json { out.append("{\"flows\":[") }
            var last: FlowKey?
            var n = 0
            do {
                try reader.reads.history.page(query.filters, since: query.since, until: query.until, descending: descending,
                                              limit: limit, after: after) { line, key in
                    // A page stops early at the byte limit; its cursor leads on to the rest.
                    if n > 0, out.count + line.count > maxBytes { throw PageFull() }
                    if let csv {
                    csv.record(line, into: out)
                } else {
                    if format == .json, n > 0 { out.append(0x2C) }
                    out.append(line)
                    if format == .ndjson { out.append(0x0A) }
                }
                    last = key
                    n += 1
                }
            } catch is PageFull {}
            let lost = reader.reads.lostEventsSummaryJSON(since: query.since, until: query.until)
            return (Array(out.bytes), last, n, lost)
        }
        let full = count == limit || body.count + 64 * 1024 > maxBytes
        let cursor = full ? last.map { PageCursor.encode($0, descending: descending) } : nil
        var bytes = body
        if format == .json {
            bytes += Array("],\"next_cursor\":\(cursor.map(JSONWriter.quote) ?? "null"),\"lost_events\":\(lost)}\n".utf8)
        }
        var headers = HTTPFields.contentType(format == .json ? "application/json" : format == .csv ? ExportFormat.csv.contentType : ExportFormat.ndjson.contentType)
        if let cursor { headers[.init("X-Next-Cursor")!] = cursor }
        // NDJSON and CSV have no room for it: a range with holes says so in a header.
        if !lost.hasPrefix("{\"records\":0,") { headers[.init("X-Lost-Events")!] = lost }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: NIOCore.ByteBuffer(bytes: bytes)))
    }

    static func pageFormat(_ params: QueryParameters, _ request: Request) throws -> PageFormat {
        if let f = params["format"] {
            guard let format = PageFormat(rawValue: f == "jsonl" ? "ndjson" : f) else {
                throw APIError.badParameter("format", "expected ndjson, json or csv")
            }
            return format
        }
        let accept = request.headers[.accept] ?? ""
        if accept.contains("application/json") { return .json }
        if accept.contains("text/csv") { return .csv }
        return .ndjson
    }

    func count(_ request: Request) async throws -> Response {
        let params = try QueryParameters(request.uri.query, allowed: FlowRequest.parameters)
        let query = try FlowRequest(params)
        let (n, lost) = try await pool.run { reader in
            (try reader.reads.history.count(query.filters, since: query.since, until: query.until),
             reader.reads.lostEventsSummaryJSON(since: query.since, until: query.until))
        }
        return .json("{\"count\":\(n),\"lost_events\":\(lost)}")
    }

    /// `follow=true`: each commit's matching flows, one NDJSON line each, written at once.
    ///
    /// Memory stays bounded for a client that reads slowly: a chunk is written only once the
    /// previous ones left, and commits wait in the subscription up to `followBacklog`. A stream
    /// that falls further behind gets a `lost_events` record (as Hubble's own streams do) with
    /// the flows committed that it missed, and ends.
    func follow(_ query: FlowRequest, channel: any Channel) -> Response {
        let pool = self.pool, feed = self.feed, writeTimeout = limits.writeTimeout, backlog = limits.followBacklog
        let body = ResponseBody { writer in
            // Subscribed here, not before: if the head cannot be written the body never runs,
            // and a subscription made outside would never end.
            let subscription = feed.subscribe(backlog: backlog)
            defer { feed.unsubscribe(subscription.id) }
            for await rows in subscription.commits {
                // Before `took`: the commit in hand is not sent either and counts as missed.
                if let missed = subscription.overflow {
                    try await writer.write(NIOCore.ByteBuffer(string: LiveFeed.lostRecord(missed: missed) + "\n"))
                    break
                }
                subscription.took(rows)
                let chunk = try await pool.run { reader -> [UInt8] in
                    // Commits come from this server's own ingest, into SQLite only.
                    guard let engine = reader.sqlite?.engine else { return [] }
                    let out = FlowModel.ByteBuffer(capacity: 16 * 1024)
                    for r in rows {
                        try engine.committed(query.filters, r, since: query.since, until: query.until) { line in
                            out.append(line)
                            out.append(0x0A)
                        }
                    }
                    return Array(out.bytes)
                }
                guard !chunk.isEmpty else { continue }
                try await waitUntilWritable(channel, timeout: writeTimeout)
                try await writer.write(NIOCore.ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: .contentType(ExportFormat.ndjson.contentType), body: body)
    }
}

extension APIContext {
    /// `follow=true` on a store other processes write (ClickHouse): each poll's new matching
    /// flows, one NDJSON line each, until the client goes or the server shuts down.
    func follow(_ polled: PolledFeed, channel: any Channel) -> Response {
        let pool = self.pool, feed = self.feed, writeTimeout = limits.writeTimeout
        let body = ResponseBody { writer in
            // A client that left is noticed here, not only at a write: a quiet stream writes nothing.
            while channel.isActive, !feed.isClosed {
                let lines = try await pool.run { _ in try polled.poll() }
                if lines.isEmpty {
                    try await Task.sleep(for: PolledFeed.interval)
                    continue
                }
                var chunk: [UInt8] = []
                for line in lines { chunk += line + [0x0A] }
                try await waitUntilWritable(channel, timeout: writeTimeout)
                try await writer.write(NIOCore.ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: .contentType(ExportFormat.ndjson.contentType), body: body)
    }
}

/// Thrown to end a page at its byte limit.
struct PageFull: Error {}
