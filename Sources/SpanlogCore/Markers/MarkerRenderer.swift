extension Marker {
    /// The simple form of this marker, escaped so that parsing it gives this marker back:
    /// `>:ID:TAGS:ARGS:`.
    public var simpleForm: String {
        var out = String(UnicodeScalar(direction.rawValue)) + ":"
        switch id {
        case .global: break
        case .thread: out += "t"
        case .process: out += "p"
        case .parent: out += "pp"
        case .number(let value): out += String(value)
        case .none: out += "none"
        }
        out += ":"
        // An empty tag list and a single empty tag would both print as nothing; one empty tag
        // cannot be written in the simple form, the JSON form has it.
        out += tags.map { Self.escape($0, special: ".:<>=\\") }.joined(separator: ".")
        out += ":"
        if args.isEmpty {
            out += ":"
        } else {
            out += args.map { Self.escape($0.name, special: ",=:<>\\") + "=" + Self.escape($0.value, special: ",:\\") }
                .joined(separator: ",")
            out += ":"
        }
        return out
    }

    /// By Unicode scalar, not by character: `>` followed by a combining mark is one character
    /// that is not `>`, yet its first byte is the `>` the parser sees.
    private static func escape(_ text: String, special: String) -> String {
        var out = String.UnicodeScalarView()
        let specials = Set(special.unicodeScalars)
        for scalar in text.unicodeScalars {
            if specials.contains(scalar) { out.append("\\") }
            out.append(scalar)
        }
        return String(out)
    }
}
