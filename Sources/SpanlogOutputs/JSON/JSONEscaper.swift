import SpanlogCore

/// JSON string encoding. Bytes that are not valid UTF-8 are written as `\udcXX` (the
/// "surrogateescape" convention), so a consumer can recover the exact bytes.
enum JSONEscaper {
    static func appendString(_ string: String, to buffer: ByteBuffer) {
        var string = string
        string.withUTF8 { appendBytes($0, to: buffer) }
    }

    static func appendBytes(_ bytes: ArraySlice<UInt8>, to buffer: ByteBuffer) {
        bytes.withUnsafeBufferPointer { appendBytes($0, to: buffer) }
    }

    @inline(__always)
    static func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>, to buffer: ByteBuffer) {
        buffer.append(0x22)
        let count = bytes.count
        var index = 0
        var runStart = 0
        let base = UnsafeRawPointer(bytes.baseAddress)
        while index < count {
            // Eight plain ASCII bytes at a time: no control byte, no '"', no '\\', no high bit.
            if let base, index + 8 <= count {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if !Self.needsAttention(word) {
                    index += 8
                    continue
                }
            }
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x80 && byte != 0x22 && byte != 0x5C {
                index += 1
                continue
            }
            if byte >= 0x80 {
                let length = validUTF8Length(bytes, at: index)
                if length > 0 {
                    index += length
                    continue
                }
            }
            if runStart < index { buffer.append(bytes: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            appendEscape(byte, to: buffer)
            index += 1
            runStart = index
        }
        if runStart < count { buffer.append(bytes: UnsafeBufferPointer(rebasing: bytes[runStart..<count])) }
        buffer.append(0x22)
    }

    /// `{"name":"value",…}` straight from marker argument bytes that `MarkerArgs.scan` accepted,
    /// when every byte is printable ASCII other than `"` and `\`, there are at most 16
    /// arguments and no name repeats (JSON keeps the first); false, with nothing written,
    /// otherwise. Commas and the first `=` of each piece are then exactly the separators.
    static func appendPlainArguments(_ bytes: UnsafeBufferPointer<UInt8>, to buffer: ByteBuffer) -> Bool {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return false }
        let count = bytes.count
        let raw = UnsafeRawPointer(source)
        var index = 0
        while index + 8 <= count {
            if needsAttention(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) { return false }
            index += 8
        }
        while index < count {
            let byte = source[index]
            if byte < 0x20 || byte >= 0x80 || byte == 0x22 || byte == 0x5C { return false }
            index += 1
        }
        // Run by run: each name up to its piece's first '=', each value up to the next ','
        // (checked bytes: every piece has its '=' before any ','), copied eight bytes at a time
        // into the room reserved. Names are remembered (start, length) to catch a repeated one.
        var plain = true
        buffer.appendInPlace(maximum: 3 * count + 12) { out in
            withUnsafeTemporaryAllocation(of: (start: Int, count: Int).self, capacity: 16) { names in
                var written = 0
                @inline(__always) func put(_ a: UInt8, _ b: UInt8, _ c: UInt8) {
                    out[written] = a
                    out[written &+ 1] = b
                    out[written &+ 2] = c
                    written &+= 3
                }
                @inline(__always) func copy(_ from: Int, _ to: Int) {
                    var index = from
                    while index &+ 8 <= to {
                        UnsafeMutableRawPointer(out + written)
                            .storeBytes(of: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self), as: UInt64.self)
                        index &+= 8
                        written &+= 8
                    }
                    while index < to {
                        out[written] = source[index]
                        index &+= 1
                        written &+= 1
                    }
                }
                out[0] = 0x7B
                out[1] = 0x22
                written = 2
                var pieceStart = 0
                var nameCount = 0
                while true {
                    guard nameCount < names.count, let equals = ByteSearch.first(0x3D, in: bytes, from: pieceStart) else {
                        plain = false
                        return 0
                    }
                    let length = equals &- pieceStart
                    for earlier in names[..<nameCount] where earlier.count == length
                        && UnsafeBufferPointer(start: source + earlier.start, count: length)
                            .elementsEqual(UnsafeBufferPointer(start: source + pieceStart, count: length)) {
                        plain = false
                        return 0
                    }
                    names[nameCount] = (pieceStart, length)
                    nameCount &+= 1
                    copy(pieceStart, equals)
                    put(0x22, 0x3A, 0x22)
                    let end = ByteSearch.first(0x2C, in: bytes, from: equals &+ 1) ?? count
                    copy(equals &+ 1, end)
                    guard end < count else { break }
                    put(0x22, 0x2C, 0x22)
                    pieceStart = end &+ 1
                }
                out[written] = 0x22
                out[written &+ 1] = 0x7D
                return written &+ 2
            }
        }
        return plain
    }

    @inline(__always) private static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ value: UInt64) -> Bool { (value &- ones) & ~value & highs != 0 }
        let control = (word &- 0x2020_2020_2020_2020) & ~word & highs != 0
        return word & highs != 0 || control || hasZeroByte(word ^ (ones &* 0x22)) || hasZeroByte(word ^ (ones &* 0x5C))
    }

    private static func appendEscape(_ byte: UInt8, to buffer: ByteBuffer) {
        switch byte {
        case 0x22: buffer.append("\\\"")
        case 0x5C: buffer.append("\\\\")
        case 0x0A: buffer.append("\\n")
        case 0x0D: buffer.append("\\r")
        case 0x09: buffer.append("\\t")
        case 0x80...: 
            buffer.append("\\udc")
            buffer.appendHex(UInt64(byte), minimumDigits: 2)
        default:
            buffer.append("\\u00")
            buffer.appendHex(UInt64(byte), minimumDigits: 2)
        }
    }

    /// Length of the well-formed UTF-8 sequence starting at `index`, or 0.
    static func validUTF8Length(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        var lowerBound: UInt8 = 0x80, upperBound: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upperBound = 0x9F
        case 0xF0: length = 4; lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upperBound = 0x8F
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        let second = bytes[index + 1]
        guard second >= lowerBound, second <= upperBound else { return 0 }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 { return 0 }
        return length
    }
}
