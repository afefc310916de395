/// A growable byte buffer that renderers fill and hand to a `ByteOutput` in large chunks.
/// Manages its own memory: `Array.append` costs a uniqueness and capacity check per call, and a
/// JSON line is built from about twenty small appends.
final class ByteBuffer {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    let flushThreshold: Int

    init(flushThreshold: Int = 64 * 1024) {
        self.flushThreshold = flushThreshold
        capacity = max(256, flushThreshold + 4096)
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    func removeAll() { count = 0 }
    /// Appends a copy of bytes already in the buffer (`start..<end`).
    func appendCopy(from start: Int, to end: Int) {
        let length = end - start
        reserve(length)
        (base + count).update(from: base + start, count: length)
        count += length
    }

    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        body(UnsafeBufferPointer(start: base, count: count))
    }
    func truncate(to length: Int) { count = min(count, length) }
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    @inline(__always) private func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always) func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    /// Inlined: the literal's length is then a constant, and the copy a few moves.
    @inline(__always) func append(_ literal: StaticString) {
        let length = literal.utf8CodeUnitCount
        reserve(length)
        (base + count).update(from: literal.utf8Start, count: length)
        count += length
    }

    /// A `String` value. Literals go to the `StaticString` overload: a copy of bytes whose
    /// length is known, without the String machinery (this runs a few dozen times a record).
    func append(string: String) {
        var string = string
        string.withUTF8 { append(bytes: $0) }
    }

    func append(bytes other: UnsafeBufferPointer<UInt8>) {
        guard let source = other.baseAddress else { return }
        reserve(other.count)
        (base + count).update(from: source, count: other.count)
        count += other.count
    }

    func append(bytes other: [UInt8]) {
        other.withUnsafeBufferPointer { append(bytes: $0) }
    }

    func append(bytes other: ArraySlice<UInt8>) {
        other.withUnsafeBufferPointer { append(bytes: $0) }
    }

    func appendDecimal<T: BinaryInteger>(_ value: T) {
        if value < 0 {
            append(0x2D)
            appendUnsigned(UInt64(-(Int64(value) + 1)) + 1)
        } else {
            appendUnsigned(UInt64(value))
        }
    }

    /// Decimal digits, left-padded with zeros to `width`. Two digits per step from a table of
    /// pairs: records carry a dozen numbers each, most of them one digit (counts, depths).
    func appendUnsigned(_ value: UInt64, width: Int = 1) {
        if value < 10, width <= 1 {
            append(0x30 &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var digits = Self.decimalDigits(value)
        if width > digits { digits = width }
        reserve(digits)
        let pairs = Self.digitPairs.utf8Start
        var remaining = value
        var position = count &+ digits
        while remaining >= 100 {
            let pair = Int(truncatingIfNeeded: remaining % 100) &* 2
            remaining /= 100
            position &-= 2
            base[position] = pairs[pair]
            base[position &+ 1] = pairs[pair &+ 1]
        }
        if remaining >= 10 {
            let pair = Int(truncatingIfNeeded: remaining) &* 2
            position &-= 2
            base[position] = pairs[pair]
            base[position &+ 1] = pairs[pair &+ 1]
        } else {
            position &-= 1
            base[position] = 0x30 &+ UInt8(truncatingIfNeeded: remaining)
        }
        while position > count {
            position &-= 1
            base[position] = 0x30
        }
        count &+= digits
    }

    /// How many decimal digits `value` has: a few compares for the numbers records carry.
    @inline(__always) private static func decimalDigits(_ value: UInt64) -> Int {
        if value < 10_000 { return value < 100 ? (value < 10 ? 1 : 2) : (value < 1_000 ? 3 : 4) }
        if value < 100_000_000 {
            return value < 1_000_000 ? (value < 100_000 ? 5 : 6) : (value < 10_000_000 ? 7 : 8)
        }
        var digits = 9
        var power: UInt64 = 1_000_000_000
        while digits < 20, value >= power {
            digits &+= 1
            power = power &* 10
        }
        return digits
    }

    /// Exactly nine digits (a timestamp's nanoseconds): four pairs and one, no counting.
    func appendNineDigits(_ value: UInt64) {
        reserve(9)
        let pairs = Self.digitPairs.utf8Start
        var remaining = value % 1_000_000_000
        var position = count &+ 9
        for _ in 0..<4 {
            let pair = Int(truncatingIfNeeded: remaining % 100) &* 2
            remaining /= 100
            position &-= 2
            base[position] = pairs[pair]
            base[position &+ 1] = pairs[pair &+ 1]
        }
        base[count] = 0x30 &+ UInt8(truncatingIfNeeded: remaining)
        count &+= 9
    }

    /// "00" "01" … "99".
    private static var digitPairs: StaticString {
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
    }

    /// Exactly 16 lowercase hex digits (trace and span ids, several per record), eight at a
    /// time: each nibble spread to a byte of a word, then made a digit with arithmetic.
    func appendHex16(_ value: UInt64) {
        reserve(16)
        let out = UnsafeMutableRawPointer(base + count)
        out.storeBytes(of: Self.hexDigits(UInt32(truncatingIfNeeded: value >> 32)), as: UInt64.self)
        out.storeBytes(of: Self.hexDigits(UInt32(truncatingIfNeeded: value)), toByteOffset: 8, as: UInt64.self)
        count &+= 16
    }

    /// Eight hex digits of `value`, most significant first in memory.
    @inline(__always) private static func hexDigits(_ value: UInt32) -> UInt64 {
        var x = UInt64(value)
        x = (x & 0xFFFF_0000) << 16 | x & 0xFFFF
        x = (x & 0x0000_FF00_0000_FF00) << 8 | x & 0x0000_00FF_0000_00FF
        x = (x & 0x00F0_00F0_00F0_00F0) << 4 | x & 0x000F_000F_000F_000F
        // Now one nibble per byte, the most significant in the top byte; 1 in each byte >= 10.
        let letters = ((x &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        x = x &+ 0x3030_3030_3030_3030 &+ letters &* 0x27
        return x.bigEndian
    }

    func appendHex(_ value: UInt64, minimumDigits: Int = 1) {
        var digits = value == 0 ? 1 : (64 &- value.leadingZeroBitCount &+ 3) / 4
        if minimumDigits > digits { digits = minimumDigits }
        reserve(digits)
        var remaining = value
        var position = count &+ digits
        while position > count {
            position &-= 1
            let nibble = UInt8(truncatingIfNeeded: remaining & 0xF)
            base[position] = nibble < 10 ? 0x30 &+ nibble : 0x57 &+ nibble
            remaining &>>= 4
        }
        count &+= digits
    }

    /// Reserves `maximum` bytes and lets `body` write into them; `body` returns how many it wrote.
    @inline(__always) func appendInPlace(maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        reserve(maximum)
        count += body(base + count)
    }

    func drain(to output: ByteOutput) {
        guard count > 0 else { return }
        output.write(UnsafeRawBufferPointer(start: base, count: count))
        count = 0
    }

    @inline(__always) func drainIfFull(to output: ByteOutput) {
        if count >= flushThreshold { drain(to: output) }
    }
}
