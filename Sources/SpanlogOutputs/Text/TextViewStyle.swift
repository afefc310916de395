/// How the text view looks.
public struct TextViewStyle: Sendable {
    public enum ColorChoice: String, Sendable, CaseIterable {
        case auto, always, never
    }

    /// Each span as one block when it ends, its lines and children nested under it.
    public var grouped = false
    public var color: ColorChoice = .auto

    public init(grouped: Bool = false, color: ColorChoice = .auto) {
        self.grouped = grouped
        self.color = color
    }

    /// Colour only for a terminal, never with `NO_COLOR` set (to anything) or `TERM=dumb`,
    /// unless asked for with `always`.
    public func usesColor(isTerminal: Bool, environment: [String: String]) -> Bool {
        switch color {
        case .always: return true
        case .never: return false
        case .auto:
            if environment["NO_COLOR"] != nil { return false }
            if environment["TERM"] == "dumb" { return false }
            return isTerminal
        }
    }
}
