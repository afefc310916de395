/// A traced program's bytes made safe to draw: its escape sequences (colours, cursor moves) are
/// dropped, other control characters shown as `^X`, tabs as spaces, invalid UTF-8 as U+FFFD.
/// Nothing a program writes can move the cursor or change the screen.
enum DisplayText {
    static func clean<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        // The common case, printable ASCII, is taken as it is.
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return String(decoding: bytes, as: UTF8.self) }
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            bytes.formIndex(after: &index)
            switch byte {
            case 0x1B:
                // CSI (ESC [ … final byte) and OSC (ESC ] … BEL or ESC \) are skipped whole; any
                // other escape drops the ESC and the byte after it.
                guard index != bytes.endIndex else { break }
                let kind = bytes[index]
                bytes.formIndex(after: &index)
                if kind == UInt8(ascii: "[") {
                    while index != bytes.endIndex {
                        let next = bytes[index]
                        bytes.formIndex(after: &index)
                        if next >= 0x40 && next <= 0x7E { break }
                    }
                } else if kind == UInt8(ascii: "]") {
                    while index != bytes.endIndex {
                        let next = bytes[index]
                        bytes.formIndex(after: &index)
                        if next == 0x07 { break }
                        if next == 0x1B { if index != bytes.endIndex { bytes.formIndex(after: &index) }; break }
                    }
                }
            case UInt8(ascii: "\t"):
                kept.append(contentsOf: [0x20, 0x20, 0x20, 0x20])
            case 0..<0x20, 0x7F:
                kept.append(UInt8(ascii: "^"))
                kept.append(byte == 0x7F ? UInt8(ascii: "?") : byte + 0x40)
            default:
                kept.append(byte)
            }
        }
        // C1 controls (U+0080–U+009F) move terminals too.
        return String(decoding: kept, as: UTF8.self).unicodeScalars.reduce(into: "") { result, scalar in
            if scalar.value >= 0x80 && scalar.value < 0xA0 { result += "^?" } else { result.unicodeScalars.append(scalar) }
        }
    }
}
