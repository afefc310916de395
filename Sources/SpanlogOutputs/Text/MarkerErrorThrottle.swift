/// How many malformed-marker reports the terminal view shows: at most five per ten seconds.
/// They are the author's typos, and a loop repeating one must not bury the program's lines;
/// every one is still counted in the stats record.
struct MarkerErrorThrottle {
    static let perWindow = 5
    static let window: Int64 = 10_000_000_000

    private var windowStart: Int64?
    private var shownInWindow = 0
    /// Reports not shown since the last `takeNotShown()`.
    private var notShown = 0

    /// Whether a report at `timestamp` is shown. A new window first hands back how many the
    /// last one held back (`heldBack`), so they are said before the next report.
    mutating func admit(at timestamp: Int64, heldBack: (Int) -> Void) -> Bool {
        if windowStart.map({ timestamp &- $0 >= Self.window }) ?? true {
            if notShown > 0 { heldBack(takeNotShown()) }
            windowStart = timestamp
            shownInWindow = 0
        }
        guard shownInWindow < Self.perWindow else {
            notShown += 1
            return false
        }
        shownInWindow += 1
        return true
    }

    mutating func takeNotShown() -> Int {
        defer { notShown = 0 }
        return notShown
    }

    static func notShownLine(_ count: Int) -> String {
        "spanlog: \(count) more malformed markers not shown (at most \(perWindow) per \(window / 1_000_000_000) s; all are counted)\n"
    }
}
