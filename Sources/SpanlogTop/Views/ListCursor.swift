/// A selection in a list longer than the screen: the selected index and the first row shown.
struct ListCursor: Equatable {
    var selected = 0
    var top = 0

    enum Move {
        case up, down, pageUp, pageDown, home, end
    }

    mutating func move(_ move: Move, count: Int, visible: Int) {
        guard count > 0 else {
            selected = 0
            top = 0
            return
        }
        switch move {
        case .up: selected -= 1
        case .down: selected += 1
        case .pageUp: selected -= max(1, visible - 1)
        case .pageDown: selected += max(1, visible - 1)
        case .home: selected = 0
        case .end: selected = count - 1
        }
        clamp(count: count, visible: visible)
    }

    /// Keeps the selection inside the list and on the screen.
    mutating func clamp(count: Int, visible: Int) {
        selected = max(0, min(selected, count - 1))
        let visible = max(1, visible)
        if selected < top { top = selected }
        if selected >= top + visible { top = selected - visible + 1 }
        top = max(0, min(top, max(0, count - visible)))
    }
}
