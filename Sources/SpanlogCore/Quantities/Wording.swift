/// Counts in words, singular or plural: `1 line`, `2 lines`, `1 entry`, `3 entries`.
public enum Wording {
    public static func count(_ count: Int, _ noun: String, plural: String? = nil) -> String {
        "\(count) \(count == 1 ? noun : plural ?? noun + "s")"
    }

    public static func count<Count: BinaryInteger>(_ count: Count, _ noun: String, plural: String? = nil) -> String {
        Self.count(Int(clamping: count), noun, plural: plural)
    }
}
