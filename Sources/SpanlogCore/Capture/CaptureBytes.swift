struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func uint8(_ value: UInt8) { bytes.append(value) }
    mutating func uint16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func uint32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func uint64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func int32(_ value: Int32) { uint32(UInt32(bitPattern: value)) }
    mutating func int64(_ value: Int64) { uint64(UInt64(bitPattern: value)) }
    /// A string of at most 65,535 UTF-8 bytes (longer ones are cut), length first.
    mutating func string16(_ value: String) {
        let utf8 = Array(value.utf8.prefix(Int(UInt16.max)))
        uint16(UInt16(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}

struct ByteReader {
    let bytes: [UInt8]
    var index: Int
    let end: Int

    init(bytes: [UInt8], index: Int, end: Int? = nil) {
        self.bytes = bytes
        self.index = index
        self.end = end ?? bytes.count
    }

    mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, end - index >= count else { return nil }
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    /// The remaining bytes, sharing the reader's storage (no copy).
    mutating func rest() -> ArraySlice<UInt8> {
        defer { index = end }
        return bytes[index..<end]
    }

    mutating func uint8() -> UInt8? {
        guard index < end else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    /// Little-endian, read in one load (every event header is a handful of these).
    @inline(__always) private mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard index >= 0, end - index >= size, end <= bytes.count else { return nil }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: index, as: T.self) }
        index += size
        return T(littleEndian: value)
    }

    mutating func uint16() -> UInt16? { integer(UInt16.self) }
    mutating func uint32() -> UInt32? { integer(UInt32.self) }
    mutating func uint64() -> UInt64? { integer(UInt64.self) }
    mutating func int32() -> Int32? { integer(Int32.self) }
    mutating func int64() -> Int64? { integer(Int64.self) }

    mutating func string16() -> String? {
        guard let length = uint16(), let slice = take(Int(length)) else { return nil }
        return String(decoding: slice, as: UTF8.self)
    }
}
