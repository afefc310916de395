/// How far apart two names are, for "did you mean …?" hints on a slip of a letter or two.
public enum EditDistance {
    /// Optimal string alignment distance over bytes: insertions, deletions, substitutions, and
    /// swaps of two neighbours (the commonest typo, `tial` for `tail`) count one edit each.
    public static func between(_ first: String, _ second: String) -> Int {
        let a = Array(first.utf8), b = Array(second.utf8)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var rows = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { rows[i][0] = i }
        for j in 0...b.count { rows[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
                }
            }
        }
        return rows[a.count][b.count]
    }

    /// The candidate nearest to `name` within `limit` edits (ties: the first in name order),
    /// or nil when none is that close.
    public static func closest(to name: String, among candidates: some Sequence<String>, limit: Int = 2) -> String? {
        var best: (distance: Int, name: String)?
        for candidate in candidates.sorted() {
            let distance = between(name, candidate)
            if distance <= limit, distance < (best?.distance ?? .max) { best = (distance, candidate) }
        }
        return best?.name
    }
}
