import SpanlogCore

/// An alert's `output` text with `%field` and `%{field}` replaced by the subject's values;
/// `%%` is a literal '%'. Fields are resolved and checked when the rule loads.
struct OutputTemplate {
    private enum Piece {
        case literal(String)
        case field(ResolvedField)
    }

    private let pieces: [Piece]

    /// Compiles `text`; unknown fields, or line fields in a rule that sees no line, are errors.
    static func compile(_ text: String, origin: ConditionOrigin, trigger: AlertTrigger,
                        diagnostics: inout [RuleDiagnostic]) -> OutputTemplate? {
        let bytes = Array(text.utf8)
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        var index = 0
        var ok = true
        func isFieldByte(_ byte: UInt8) -> Bool {
            ConditionLexer.isWordByte(byte) && byte != 0x2F && byte != 0x3A && byte != 0x2A && byte != 0x3F
        }
        while index < bytes.count {
            guard bytes[index] == 0x25 else {  // %
                literal.append(bytes[index])
                index += 1
                continue
            }
            let start = index
            index += 1
            if index < bytes.count, bytes[index] == 0x25 {
                literal.append(0x25)
                index += 1
                continue
            }
            var name: String
            if index < bytes.count, bytes[index] == 0x7B {  // {
                guard let close = bytes[index...].firstIndex(of: 0x7D) else {
                    diagnostics.append(RuleDiagnostic(.error, at: origin.location(at: start), "'%{' is not closed with '}'"))
                    return nil
                }
                name = String(decoding: bytes[(index + 1)..<close], as: UTF8.self)
                index = close + 1
            } else {
                let nameStart = index
                while index < bytes.count, isFieldByte(bytes[index]) { index += 1 }
                // A sentence may end right after a field: "took %span.duration."
                while index > nameStart, bytes[index - 1] == 0x2E || bytes[index - 1] == 0x2D { index -= 1 }
                // `%span.tag[-1]`: only that field takes an index (a '[' after others is text).
                if String(decoding: bytes[nameStart..<index], as: UTF8.self) == "span.tag", index < bytes.count,
                   bytes[index] == 0x5B, let close = bytes[index...].firstIndex(of: 0x5D) {
                    index = close + 1
                }
                name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
            }
            guard let field = FieldCatalog.resolve(name) else {
                let shown = name.isEmpty ? "'%' with no field after it (write %% for a percent sign)" : "unknown field '\(name)'"
                diagnostics.append(RuleDiagnostic(.error, at: origin.location(at: start), "output: \(shown)"))
                ok = false
                continue
            }
            if field.needsLine && trigger != .line {
                diagnostics.append(RuleDiagnostic(.error, at: origin.location(at: start),
                                                  "output: \(name) is only known in rules with 'when: line'"))
                ok = false
                continue
            }
            if !literal.isEmpty {
                pieces.append(.literal(String(decoding: literal, as: UTF8.self)))
                literal.removeAll()
            }
            pieces.append(.field(field))
        }
        if !literal.isEmpty { pieces.append(.literal(String(decoding: literal, as: UTF8.self))) }
        return ok ? OutputTemplate(pieces: pieces) : nil
    }

    func render(_ subject: RuleSubject) -> String {
        var text = ""
        for piece in pieces {
            switch piece {
            case .literal(let literal): text += literal
            case .field(let field) where field.name == "span.tags" && subject.span.summary.tags.isEmpty:
                // Named the way every view names it, not left blank.
                text += SpanSummary.untaggedName
            case .field(let field): text += Self.format(field.read(subject), as: field.type)
            }
        }
        return text
    }

    static func format(_ value: FieldValue?, as type: FieldType) -> String {
        switch value {
        case nil: return "<NA>"
        case .text(let text)?: return text
        case .bytes(let bytes)?: return String(decoding: bytes, as: UTF8.self)
        case .number(let number)?:
            switch type {
            case .duration: return DurationFormatter.string(nanoseconds: Int64(number))
            case .level: return LogLevel(rawValue: Int(number))?.name ?? "<NA>"
            default: return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            }
        }
    }
}
