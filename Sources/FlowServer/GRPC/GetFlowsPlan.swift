import FlowHubble
import FlowModel
import FlowQuery
import GRPCCore
import HubbleProtos
import SwiftProtobuf

/// What a GetFlows request asks for, in the store's terms.
///
/// Hubble's meaning (observer.proto; the captured CLI in shared/fixtures/hubble-grpc):
/// - `number` N: the newest N matching flows, sent oldest first; with `first`, the oldest N.
///   2^64−1 (`--all`) is every flow. 0 means no limit: every flow in the range.
/// - `since`/`until`: both ends inclusive. With `number`, N counts within the range: `--last 3
///   --since T` is the newest 3 at or after T (documented in docs/HUBBLE.md).
/// - `follow`: after the history (none unless `since` or `number` asks for some), every new
///   matching flow as the writer commits it, until the client cancels. `until` is ignored.
/// - `whitelist`/`blacklist`: FlowFilters (FlowFilterExpression).
/// - `field_mask`: flows carry only the named fields.
struct GetFlowsPlan {
    enum History: Equatable {
        case none, all, first(Int), last(Int)
    }

    var filters: [Typed]
    /// The expression the FlowFilters became (nil: no filter), for errors and logs.
    var expression: String?
    /// UTC nanoseconds; `until` exclusive (request's until + 1 ns).
    var since: Int64?
    var until: Int64?
    var history: History
    var follow: Bool
    var mask: JSONFieldMask?
    /// Lost-event records are streamed only to requests without an allowlist: Hubble's
    /// filters never match a LostEvent (it has no flow fields), so an allowlist drops them.
    var sendsLostEvents: Bool

    /// - Throws: `RPCError` `.invalidArgument` with the reason.
    init(_ request: Observer_GetFlowsRequest) throws {
        if request.first && request.follow {
            throw RPCError(code: .invalidArgument, message: "first cannot be specified with follow")
        }
        do {
            expression = try FlowFilterExpression.expression(allowlist: request.whitelist, denylist: request.blacklist)
        } catch let e as FilterProblem {
            throw RPCError(code: .invalidArgument, message: "invalid filter: \(e)")
        }
        if let expression {
            do {
                filters = [try Checker.check(expression)]
            } catch let e as QueryError {
                // The only text a client writes itself is a CEL expression.
                throw RPCError(code: .invalidArgument, message: "invalid CEL expression: \(e)")
            }
        } else {
            filters = []
        }
        since = request.hasSince ? request.since.nanoseconds : nil
        follow = request.follow
        until = request.hasUntil && !request.follow ? Self.inclusive(request.until.nanoseconds) : nil
        if let since, let until, until <= since {
            throw RPCError(code: .invalidArgument, message: "until is before since")
        }
        let n = request.number > UInt64(Int.max / 2) ? Int.max : Int(request.number)
        if request.follow {
            history = n == 0 ? (request.hasSince ? .all : .none) : (n == .max ? .all : .last(n))
        } else if n == 0 || n == .max {
            history = .all
        } else {
            history = request.first ? .first(n) : .last(n)
        }
        mask = FlowMessages.mask(request.hasFieldMask ? request.fieldMask : nil)
        sendsLostEvents = request.whitelist.isEmpty
    }

    /// An inclusive upper bound as the engine's exclusive one.
    static func inclusive(_ t: Int64) -> Int64 { t == .max ? t : t + 1 }
}
