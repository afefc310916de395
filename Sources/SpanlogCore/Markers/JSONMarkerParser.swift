/// `[">", ID, ["tag", …], [{"name": "value"}, …]]` — a strict little JSON reader that knows
/// the difference between "wrong" and "not finished yet" (a marker split across writes).
struct JSONMarkerParser {
    private enum Stop: Error {
        case incomplete
        case invalid(String, Int)
    }

    let line: ArraySlice<UInt8>
    private var index: Int

    init(line: ArraySlice<UInt8>) {
        self.line = line
        self.index = line.startIndex
    }

    mutating func parse() -> MarkerParseResult {
        do {
            let marker = try parseMarker()
            return .marker(marker, trailing: line[index...])
        } catch Stop.incomplete {
            return .incomplete
        } catch Stop.invalid(let message, let at) {
            return .invalid(MarkerError(message, column: at - line.startIndex + 1))
        } catch {
            return .invalid(MarkerError("\(error)", column: index - line.startIndex + 1))
        }
    }

    private mutating func parseMarker() throws -> Marker {
        skipWhitespace()
        try expect(0x5B, "a JSON marker starts with '['")
        skipWhitespace()
        let directionStart = index
        guard try peek() == 0x22 else { throw Stop.invalid("element 1 must be a string starting with '>' or '<'", index) }
        let directionText = try parseString()
        let direction: Marker.Direction
        switch directionText.utf8.first {
        case 0x3E: direction = .enter
        case 0x3C: direction = .exit
        case 0x3D: direction = .switchTo
        default: throw Stop.invalid("direction \"\(directionText)\" must start with '>', '<' or '='", directionStart)
        }
        try expectSeparator()
        let idStart = index
        let id = try parseID()
        if id == .none, direction != .switchTo {
            throw Stop.invalid("span id \"none\" is only for switch markers", idStart)
        }
        try expectSeparator()
        let tagsStart = index
        let tags = try parseTags()
        if id == .none, !tags.isEmpty { throw Stop.invalid("a switch to none names no tags", tagsStart) }
        skipWhitespace()
        switch try peek() {
        case 0x2C: index += 1
        // sysdig waited for more bytes here; a later write may still bring the args.
        case 0x5D: throw Stop.incomplete
        default: throw Stop.invalid("expected ',' before the args array", index)
        }
        skipWhitespace()
        let args = try parseArgs()
        skipWhitespace()
        if try peek() == 0x2C {
            index += 1
            skipWhitespace()
        }
        try expect(0x5D, "expected ']' after the args array")
        return Marker(direction: direction, id: id, tags: tags, args: MarkerArgs(args))
    }

    private mutating func parseID() throws -> Marker.ID {
        skipWhitespace()
        let start = index
        if try peek() == 0x22 {
            switch try parseString() {
            case "t": return .thread
            case "p": return .process
            case "pp": return .parent
            case "g": return .global
            case "none": return Marker.ID.none
            case let other:
                throw Stop.invalid("span id \"\(other)\" must be an integer or one of \"t\", \"p\", \"pp\", \"g\" (\"none\" in switches)", start)
            }
        }
        while index < line.endIndex, isNumberByte(line[index]) { index += 1 }
        guard index < line.endIndex else { throw Stop.incomplete }
        let text = line[start..<index]
        guard !text.isEmpty else { throw Stop.invalid("element 2 must be the span id", start) }
        if text.contains(where: { $0 == 0x2E || $0 == 0x65 || $0 == 0x45 || $0 == 0x2B }) {
            throw Stop.invalid("span id must be an integer", start)
        }
        switch SimpleMarkerParser.parseID(text, complete: true) {
        case .success(.number(let value)?): return .number(value)
        case .failure(let error): throw Stop.invalid(error.message, start + error.offset)
        default: throw Stop.invalid("span id must be an integer", start)
        }
    }

    private mutating func parseTags() throws -> [String] {
        skipWhitespace()
        try expect(0x5B, "element 3 must be an array of tag strings")
        var tags: [String] = []
        while true {
            skipWhitespace()
            switch try peek() {
            case 0x5D:
                index += 1
                return tags
            case 0x22:
                tags.append(try parseString())
            default:
                throw Stop.invalid("tags must be strings", index)
            }
            skipWhitespace()
            switch try peek() {
            case 0x2C: index += 1
            case 0x5D: continue
            default: throw Stop.invalid("expected ',' or ']' in the tags array", index)
            }
        }
    }

    private mutating func parseArgs() throws -> [(name: String, value: String)] {
        try expect(0x5B, "element 4 must be an array of {\"name\": \"value\"} objects")
        var args: [(name: String, value: String)] = []
        while true {
            skipWhitespace()
            switch try peek() {
            case 0x5D:
                index += 1
                return args
            case 0x7B:
                index += 1
            default:
                throw Stop.invalid("each argument must be an object {\"name\": \"value\"}", index)
            }
            skipWhitespace()
            guard try peek() == 0x22 else { throw Stop.invalid("argument name must be a string", index) }
            let name = try parseString()
            skipWhitespace()
            try expect(0x3A, "expected ':' after the argument name")
            skipWhitespace()
            let value = try parseValue()
            skipWhitespace()
            switch try peek() {
            case 0x7D: index += 1
            case 0x2C: throw Stop.invalid("an argument object holds exactly one name/value pair", index)
            default: throw Stop.invalid("expected '}' after the argument value", index)
            }
            args.append((name, value))
            skipWhitespace()
            switch try peek() {
            case 0x2C: index += 1
            case 0x5D: continue
            default: throw Stop.invalid("expected ',' or ']' in the args array", index)
            }
        }
    }

    /// Strings are decoded; numbers and booleans are kept as their JSON text.
    private mutating func parseValue() throws -> String {
        let start = index
        if try peek() == 0x22 { return try parseString() }
        while index < line.endIndex, isNumberByte(line[index]) || isLetter(line[index]) { index += 1 }
        guard index < line.endIndex else { throw Stop.incomplete }
        let text = String(decoding: line[start..<index], as: UTF8.self)
        if text == "true" || text == "false" || (!text.isEmpty && Double(text) != nil && !isLetter(line[start])) {
            return text
        }
        throw Stop.invalid("argument value must be a string, a number or a boolean", start)
    }

    private mutating func parseString() throws -> String {
        try expect(0x22, "expected a string")
        var bytes: [UInt8] = []
        while true {
            guard index < line.endIndex else { throw Stop.incomplete }
            let byte = line[index]
            index += 1
            switch byte {
            case 0x22:
                return String(decoding: bytes, as: UTF8.self)
            case 0x5C:
                guard index < line.endIndex else { throw Stop.incomplete }
                let escape = line[index]
                index += 1
                switch escape {
                case 0x22, 0x5C, 0x2F: bytes.append(escape)
                case 0x62: bytes.append(0x08)
                case 0x66: bytes.append(0x0C)
                case 0x6E: bytes.append(0x0A)
                case 0x72: bytes.append(0x0D)
                case 0x74: bytes.append(0x09)
                case 0x75:
                    var scalar = try parseHex4(escapeAt: index - 2)
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard index + 1 < line.endIndex else { throw Stop.incomplete }
                        if line[index] == 0x5C, line[index + 1] == 0x75 {
                            index += 2
                            let low = try parseHex4(escapeAt: index - 2)
                            if (0xDC00..<0xE000).contains(low) {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            }
                        }
                    }
                    let decoded = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    bytes.append(contentsOf: Array(String(Character(decoded)).utf8))
                default:
                    throw Stop.invalid("invalid escape '\\\(Character(Unicode.Scalar(escape)))' in a string", index - 2)
                }
            default:
                bytes.append(byte)
            }
        }
    }

    private mutating func parseHex4(escapeAt: Int) throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < line.endIndex else { throw Stop.incomplete }
            let byte = line[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw Stop.invalid("invalid \\u escape", escapeAt)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func expectSeparator() throws {
        skipWhitespace()
        try expect(0x2C, "expected ',' between marker elements")
        skipWhitespace()
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws {
        guard try peek() == byte else { throw Stop.invalid(message, index) }
        index += 1
    }

    private func peek() throws -> UInt8 {
        guard index < line.endIndex else { throw Stop.incomplete }
        return line[index]
    }

    private mutating func skipWhitespace() {
        while index < line.endIndex, MarkerParser.isJSONWhitespace(line[index]) { index += 1 }
    }

    private func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2B || byte == 0x2E || byte == 0x65 || byte == 0x45
    }

    private func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
    }
}
