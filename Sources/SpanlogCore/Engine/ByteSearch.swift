/// Byte searches eight bytes at a time: every write is searched for its line ends, and every
/// marker for its colons.
package enum ByteSearch {
    /// The offset of the first byte at or after `start` that is `a` or `b`, or nil.
    @inlinable @inline(__always)
    package static func first(_ a: UInt8, or b: UInt8, in raw: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = UnsafeRawPointer(raw.baseAddress) else { return nil }
        let count = raw.count
        var index = start
        let ones: UInt64 = 0x0101_0101_0101_0101
        let spreadA = ones &* UInt64(a), spreadB = ones &* UInt64(b)
        while index &+ 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let found = zeroBytes(word ^ spreadA) | zeroBytes(word ^ spreadB)
            // The lowest flag is exact (a false one can only sit above a true one): little-endian,
            // it is the first match in memory order.
            if found != 0 { return index &+ (found.trailingZeroBitCount &>> 3) }
            index &+= 8
        }
        while index < count {
            let byte = raw[index]
            if byte == a || byte == b { return index }
            index &+= 1
        }
        return nil
    }

    @inlinable @inline(__always)
    package static func first(_ byte: UInt8, in raw: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        first(byte, or: byte, in: raw, from: start)
    }

    /// Whether `word` holds the byte `byte` somewhere.
    @inlinable @inline(__always) package static func holds(_ word: UInt64, _ byte: UInt8) -> Bool {
        zeroBytes(word ^ (0x0101_0101_0101_0101 &* UInt64(byte))) != 0
    }

    /// The high bit of each zero byte of `word`, and possibly of bytes above a zero byte.
    @inlinable @inline(__always) package static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
    }
}
