/// The characters `top` draws with: box and block characters on a UTF-8 terminal, ASCII on
/// any other.
public struct Glyphs: Sendable {
    public var bar: String
    public var barEdge: String
    public var ellipsis: String
    public var failed: String
    public var ok: String
    public var alert: String
    public var treeBranch: String
    public var treeLast: String
    public var treePipe: String
    public var sortUp: String
    public var sortDown: String
    /// Spectrogram cells without colour, from few spans to many.
    public var shades: [String]

    public static let unicode = Glyphs(bar: "█", barEdge: "▏", ellipsis: "…", failed: "✗", ok: "✓", alert: "!",
                                       treeBranch: "├─", treeLast: "└─", treePipe: "│ ", sortUp: "▲", sortDown: "▼",
                                       shades: ["·", "░", "▒", "▓", "█"])
    public static let ascii = Glyphs(bar: "#", barEdge: "|", ellipsis: "~", failed: "x", ok: "+", alert: "!",
                                     treeBranch: "|-", treeLast: "`-", treePipe: "| ", sortUp: "^", sortDown: "v",
                                     shades: [".", ":", "+", "*", "#"])
}
