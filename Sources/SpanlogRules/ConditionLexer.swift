/// Splits a condition into tokens. Words are fields, macro names, keywords and bare values;
/// numbers may carry a duration unit.
struct ConditionToken {
    enum Kind: Equatable {
        case word(String)
        case string(String)
        case number(Double)
        case duration(Double)
        case symbol(String)
        case end
    }

    var kind: Kind
    var offset: Int
    var text: String
}

struct ConditionSyntaxError: Error {
    var offset: Int
    var message: String
}

enum ConditionLexer {
    static let durationUnits: [(String, Double)] = [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ]

    static func tokens(_ text: String) throws(ConditionSyntaxError) -> [ConditionToken] {
        let bytes = Array(text.utf8)
        var tokens: [ConditionToken] = []
        var index = 0
        func slice(_ start: Int, _ end: Int) -> String { String(decoding: bytes[start..<end], as: UTF8.self) }
        while index < bytes.count {
            let byte = bytes[index]
            let start = index
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D:
                index += 1
            case 0x28, 0x29, 0x2C:  // ( ) ,
                index += 1
                tokens.append(ConditionToken(kind: .symbol(slice(start, index)), offset: start, text: slice(start, index)))
            case 0x3D, 0x21, 0x3C, 0x3E:  // = ! < >
                index += 1
                if index < bytes.count, bytes[index] == 0x3D { index += 1 }
                var symbol = slice(start, index)
                if symbol == "==" { symbol = "=" }
                if symbol == "!" {
                    throw ConditionSyntaxError(offset: start, message: "'!' alone is not an operator; write '!=' or 'not'")
                }
                tokens.append(ConditionToken(kind: .symbol(symbol), offset: start, text: slice(start, index)))
            case 0x22, 0x27:  // " '
                let quote = byte
                index += 1
                var value: [UInt8] = []
                var closed = false
                while index < bytes.count {
                    let current = bytes[index]
                    if current == quote {
                        closed = true
                        index += 1
                        break
                    }
                    if current == 0x5C, index + 1 < bytes.count {
                        let escaped = bytes[index + 1]
                        switch escaped {
                        case 0x6E: value.append(0x0A)
                        case 0x74: value.append(0x09)
                        case 0x72: value.append(0x0D)
                        case 0x5C, 0x22, 0x27: value.append(escaped)
                        default:
                            throw ConditionSyntaxError(offset: index, message: "unknown escape '\\\(Character(UnicodeScalar(escaped)))' in a string; use \\\\, \\\", \\', \\n, \\t or \\r")
                        }
                        index += 2
                        continue
                    }
                    value.append(current)
                    index += 1
                }
                guard closed else { throw ConditionSyntaxError(offset: start, message: "string is not closed") }
                tokens.append(ConditionToken(kind: .string(String(decoding: value, as: UTF8.self)), offset: start,
                                             text: slice(start, index)))
            case _ where (0x30...0x39).contains(byte)
                || (byte == 0x2D && index + 1 < bytes.count && (0x30...0x39).contains(bytes[index + 1])):
                index += 1
                while index < bytes.count, (0x30...0x39).contains(bytes[index]) || bytes[index] == 0x2E { index += 1 }
                let numberEnd = index
                while index < bytes.count, isWordByte(bytes[index]) { index += 1 }
                let numberText = slice(start, numberEnd)
                guard let number = Double(numberText) else {
                    throw ConditionSyntaxError(offset: start, message: "'\(numberText)' is not a number")
                }
                let unit = slice(numberEnd, index)
                if unit.isEmpty {
                    tokens.append(ConditionToken(kind: .number(number), offset: start, text: numberText))
                } else if let scale = durationUnits.first(where: { $0.0 == unit })?.1 {
                    tokens.append(ConditionToken(kind: .duration(number * scale), offset: start, text: slice(start, index)))
                } else {
                    throw ConditionSyntaxError(offset: numberEnd, message: "unknown unit '\(unit)' in '\(slice(start, index))'; durations take ns, us, ms, s, m or h")
                }
            default:
                guard isWordByte(byte) else {
                    throw ConditionSyntaxError(offset: start, message: "unexpected character '\(slice(start, start + 1))'")
                }
                while index < bytes.count, isWordByte(bytes[index]) { index += 1 }
                // `span.tag[-1]`: the index belongs to the field name.
                if index < bytes.count, bytes[index] == 0x5B {
                    guard let close = bytes[index...].firstIndex(of: 0x5D) else {
                        throw ConditionSyntaxError(offset: index, message: "'[' is not closed")
                    }
                    index = close + 1
                }
                tokens.append(ConditionToken(kind: .word(slice(start, index)), offset: start, text: slice(start, index)))
            }
        }
        tokens.append(ConditionToken(kind: .end, offset: bytes.count, text: ""))
        return tokens
    }

    /// Letters, digits, `_ . - / : * ? µ` and other non-ASCII: enough for field names, arg
    /// names with dashes, and bare values such as paths and globs.
    static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x5F, 0x2E, 0x2D, 0x2F, 0x3A, 0x2A, 0x3F: true
        case 0x80...: true
        default: false
        }
    }
}
