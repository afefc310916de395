/// `N/WINDOW`: at most N alerts per window, per rule and per distinct key value. The rest are
/// counted, and the next alert that passes carries the count; nothing vanishes uncounted.
struct ThrottleSpec {
    var limit: Int
    var window: Int64
    /// One budget per distinct value of this field (nil: one budget for the rule).
    var key: ResolvedField?

    /// Parses `N/WINDOW`, e.g. `1/10s`, `100/1m`.
    static func parse(_ text: String) -> (limit: Int, window: Int64)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let limit = Int(parts[0].trimmingCharacters(in: " ")), limit >= 1 else { return nil }
        var windowText = parts[1].trimmingCharacters(in: " ")
        if windowText.first.map({ !$0.isNumber }) == true { windowText = "1" + windowText }
        guard let tokens = try? ConditionLexer.tokens(windowText), tokens.count == 2,
              case .duration(let nanoseconds) = tokens[0].kind, nanoseconds >= 1 else { return nil }
        return (limit, Int64(nanoseconds))
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}

/// The budgets of one rule. Keys are bounded: past `maxKeys` distinct values, new ones share
/// one overflow budget (counted), so a key with unbounded values cannot exhaust memory.
struct ThrottleState {
    struct Budget {
        var windowStart: Int64
        var sent: Int
        var suppressed: Int
    }

    static let maxKeys = 10_000
    static let overflowKey = "\u{0}overflow"

    private(set) var budgets: [String: Budget] = [:]
    private(set) var overflowedKeys = 0

    enum Decision: Equatable {
        /// Send it, reporting this many throttled since the last one sent.
        case send(suppressedBefore: Int)
        case suppress
    }

    mutating func decide(key: String, at now: Int64, spec: ThrottleSpec) -> Decision {
        var key = key
        if budgets[key] == nil, budgets.count >= Self.maxKeys {
            key = Self.overflowKey
            overflowedKeys += 1
        }
        var budget = budgets[key] ?? Budget(windowStart: now, sent: 0, suppressed: 0)
        if now &- budget.windowStart >= spec.window || now < budget.windowStart {
            budget.windowStart = now
            budget.sent = 0
        }
        let decision: Decision
        if budget.sent < spec.limit {
            budget.sent += 1
            decision = .send(suppressedBefore: budget.suppressed)
            budget.suppressed = 0
        } else {
            budget.suppressed += 1
            decision = .suppress
        }
        budgets[key] = budget
        return decision
    }

    /// Suppressed counts no later alert reported, by key; clears them.
    mutating func takePending() -> [(key: String, count: Int)] {
        var pending: [(key: String, count: Int)] = []
        for (key, budget) in budgets where budget.suppressed > 0 {
            pending.append((key == Self.overflowKey ? "(other keys)" : key, budget.suppressed))
            budgets[key]?.suppressed = 0
        }
        return pending.sorted { $0.key < $1.key }
    }
}
