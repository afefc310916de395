import SpanlogCore

/// View 1: one row per tag path, children under their parents, with the summary's figures.
struct SpanTypesView {
    enum Column: Int, CaseIterable {
        case name, count, rate, failed, alerts, p50, p90, p99, max, lines

        var title: String {
            switch self {
            case .name: "SPAN TYPE"
            case .count: "COUNT"
            case .rate: "RATE/s"
            case .failed: "FAILED"
            case .alerts: "ALERTS"
            case .p50: "P50"
            case .p90: "P90"
            case .p99: "P99"
            case .max: "MAX"
            case .lines: "LINES"
            }
        }

        static let width = 9
    }

    struct Row {
        var index: Int
        var tags: [String]
        var depth: Int
        var prefix: String
        var count: Int
        var rate: Double?
        var failed: Int
        var alerts: Int
        var figures: SummaryRow?
        var lines: Int
    }

    var sort: Column = .count
    var descending = true
    var tree = true
    private(set) var rows: [Row] = []
    private(set) var cursor = ListCursor()
    /// The path under the cursor, kept across refreshes as rows move.
    private var selectedTags: [String]?

    var selected: Row? { rows.indices.contains(cursor.selected) ? rows[cursor.selected] : nil }

    mutating func refresh(from model: TopModel, context: ViewContext) {
        let aggregates = model.shown
        let first = model.firstTime ?? model.now
        let window = model.limits.rateWindowSeconds
        let needsFigures = [.p50, .p90, .p99, .max].contains(sort)
        var unsorted: [Row] = []
        unsorted.reserveCapacity(aggregates.types.count)
        for index in aggregates.types.indices {
            let type = aggregates.types[index]
            unsorted.append(Row(index: index, tags: type.tags, depth: 0, prefix: "", count: type.latency.count,
                                rate: sort == .rate ? aggregates.rate(index, now: model.now, since: first, window: window) : nil,
                                failed: type.latency.failed, alerts: type.alerts,
                                figures: needsFigures ? aggregates.row(index) : nil, lines: type.lines))
        }
        unsorted.sort(by: ordering)
        rows = tree ? Self.nest(unsorted, parents: aggregates.parents, glyphs: context.glyphs) : unsorted
        // Figures only for the rows on screen, unless the sort needs them all.
        let visible = max(1, context.rows - 1)
        if let selectedTags, let position = rows.firstIndex(where: { $0.tags == selectedTags }) {
            cursor.selected = position
        }
        cursor.clamp(count: rows.count, visible: visible)
        for position in cursor.top..<min(rows.count, cursor.top + visible) {
            let index = rows[position].index
            if rows[position].figures == nil { rows[position].figures = aggregates.row(index) }
            if rows[position].rate == nil {
                rows[position].rate = aggregates.rate(index, now: model.now, since: first, window: window)
            }
        }
        selectedTags = selected?.tags
    }

    private func ordering(_ a: Row, _ b: Row) -> Bool {
        func less(_ a: Row, _ b: Row) -> Bool? {
            switch sort {
            case .name: return a.tags == b.tags ? nil : a.tags.lexicographicallyPrecedes(b.tags)
            case .count: return a.count == b.count ? nil : a.count < b.count
            case .rate: return a.rate == b.rate ? nil : (a.rate ?? -1) < (b.rate ?? -1)
            case .failed: return a.failed == b.failed ? nil : a.failed < b.failed
            case .alerts: return a.alerts == b.alerts ? nil : a.alerts < b.alerts
            case .lines: return a.lines == b.lines ? nil : a.lines < b.lines
            case .p50, .p90, .p99, .max:
                let x = Self.figure(sort, a.figures), y = Self.figure(sort, b.figures)
                return x == y ? nil : x < y
            }
        }
        // Ties keep name order, so rows do not jump between refreshes.
        guard let result = less(a, b) else { return a.tags.lexicographicallyPrecedes(b.tags) }
        return descending ? !result : result
    }

    private static func figure(_ column: Column, _ row: SummaryRow?) -> Int64 {
        guard let row else { return -1 }
        switch column {
        case .p50: return row.p50Nanoseconds
        case .p90: return row.p90Nanoseconds
        case .p99: return row.p99Nanoseconds
        default: return row.maxNanoseconds
        }
    }

    /// Sorted rows as a tree: each path under its nearest ancestor, siblings in sort order.
    static func nest(_ sorted: [Row], parents: [Int?], glyphs: Glyphs) -> [Row] {
        var children: [Int: [Row]] = [:]
        var roots: [Row] = []
        for row in sorted {
            if let parent = parents[row.index] { children[parent, default: []].append(row) } else { roots.append(row) }
        }
        var result: [Row] = []
        result.reserveCapacity(sorted.count)
        func visit(_ row: Row, depth: Int, prefix: String, isLast: Bool) {
            var row = row
            row.depth = depth
            row.prefix = depth == 0 ? "" : prefix + (isLast ? glyphs.treeLast : glyphs.treeBranch)
            result.append(row)
            let kids = children[row.index] ?? []
            let childPrefix = depth == 0 ? "" : prefix + (isLast ? "  " : glyphs.treePipe)
            for (position, child) in kids.enumerated() {
                visit(child, depth: depth + 1, prefix: childPrefix, isLast: position == kids.count - 1)
            }
        }
        for root in roots { visit(root, depth: 0, prefix: "", isLast: true) }
        return result
    }

    // MARK: Drawing

    func header(context: ViewContext) -> ScreenLine {
        var line = ScreenLine(fill: .header)
        let nameWidth = nameColumnWidth(context)
        for column in Column.allCases {
            var title = column.title
            if column == sort { title += descending ? context.glyphs.sortDown : context.glyphs.sortUp }
            if column == .name {
                line.append(title, .header, columns: nameWidth)
            } else {
                line.append(title, .header, columns: Column.width, alignRight: true)
            }
        }
        return line
    }

    private func nameColumnWidth(_ context: ViewContext) -> Int {
        max(12, context.columns - Column.width * (Column.allCases.count - 1))
    }

    func body(context: ViewContext) -> [ScreenLine] {
        var lines = [header(context: context)]
        guard !rows.isEmpty else {
            lines.append(ScreenLine("  No span has ended yet.", .dim))
            return lines
        }
        let nameWidth = nameColumnWidth(context)
        let end = min(rows.count, cursor.top + context.rows - 1)
        for position in cursor.top..<end {
            let row = rows[position]
            let isSelected = position == cursor.selected
            func style(_ normal: TerminalStyle) -> TerminalStyle { isSelected ? .selected : normal }
            var line = ScreenLine(fill: isSelected ? .selected : nil)
            let name = tree ? (row.tags.last ?? SpanSummary.untaggedName) : (row.tags.isEmpty ? SpanSummary.untaggedName : row.tags.joined(separator: "."))
            line.append(ScreenLine.cut(row.prefix + name, to: nameWidth, ellipsis: context.glyphs.ellipsis),
                        style(.normal), columns: nameWidth)
            let figures = row.figures
            func number(_ text: String, _ normal: TerminalStyle = .normal) {
                // One column of space before each figure, however wide it is.
                line.append(String(text.prefix(Column.width - 1)), style(normal), columns: Column.width, alignRight: true)
            }
            func duration(_ value: Int64?) { number(value.map { Format.duration($0, context.glyphs) } ?? "-") }
            number(Format.count(row.count))
            number(Format.rate(row.rate))
            number(Format.count(row.failed), row.failed > 0 ? .red : .normal)
            number(Format.count(row.alerts), row.alerts > 0 ? .yellow : .normal)
            duration(figures?.p50Nanoseconds)
            duration(figures?.p90Nanoseconds)
            duration(figures?.p99Nanoseconds)
            duration(figures?.maxNanoseconds)
            number(Format.count(row.lines))
            lines.append(line)
        }
        return lines
    }

    // MARK: Keys

    mutating func move(_ move: ListCursor.Move, context: ViewContext) {
        cursor.move(move, count: rows.count, visible: context.rows - 1)
        selectedTags = selected?.tags
    }

    /// `<` and `>`: the column to the left or right sorts.
    mutating func shiftSort(by step: Int) {
        let columns = Column.allCases
        sort = columns[(sort.rawValue + step + columns.count) % columns.count]
        descending = sort != .name
    }
}
