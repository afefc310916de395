/// Where renderers put their bytes. The CLI writes to a file descriptor; tests collect in memory.
public protocol ByteOutput: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer)
    func flush()
}

/// Collects everything written, for tests and for in-process use.
public final class MemoryOutput: ByteOutput {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer) { self.bytes.append(contentsOf: bytes) }
    public func flush() {}

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

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

    func append(_ literal: StaticString) {
        append(bytes: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
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

    /// Decimal digits, left-padded with zeros to `width`.
    func appendUnsigned(_ value: UInt64, width: Int = 1) {
        reserve(max(20, width))
        var digits = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        digits = max(digits, width)
        var remaining = value
        for position in stride(from: count + digits - 1, through: count, by: -1) {
            base[position] = 0x30 + UInt8(remaining % 10)
            remaining /= 10
        }
        count += digits
    }

    func appendHex(_ value: UInt64, minimumDigits: Int = 1) {
        var digits = 1
        while digits < 16, value >> (4 * UInt64(digits)) != 0 { digits += 1 }
        digits = max(digits, minimumDigits)
        reserve(digits)
        for position in 0..<digits {
            let nibble = UInt8((value >> (4 * UInt64(digits - 1 - position))) & 0xF)
            base[count + position] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble
        }
        count += digits
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
