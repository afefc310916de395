#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore

/// One journal entry: `NAME=value` fields serialized back to back, with their boundaries.
/// Values are bytes: newlines and NUL bytes arrive intact (libsystemd sends such a field in
/// its binary form).
struct JournalEntry {
    private(set) var bytes: [UInt8] = []
    private(set) var ends: [Int] = []
    /// The iovecs sd_journal_sendv will need for these fields.
    private(set) var iovecCost = 0
    /// The traced process the entry speaks for (the line's writer, the span's process): sent
    /// with its credentials, journald names it as the entry's writer. Nil for spanlog's own.
    var writer: Int32?

    var fieldCount: Int { ends.count }

    mutating func add(_ name: StaticString, _ value: String) {
        addField(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), value.utf8)
    }

    mutating func add<Value: Sequence>(_ name: StaticString, bytes value: Value) where Value.Element == UInt8 {
        addField(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), value)
    }

    mutating func add(name: [UInt8], _ value: String) {
        name.withUnsafeBufferPointer { addField($0, value.utf8) }
    }

    private mutating func addField<Value: Sequence>(_ name: UnsafeBufferPointer<UInt8>, _ value: Value)
        where Value.Element == UInt8 {
        bytes.append(contentsOf: name)
        bytes.append(0x3D)
        let valueStart = bytes.count
        bytes.append(contentsOf: value)
        ends.append(bytes.count)
        iovecCost += bytes[valueStart...].contains(0x0A) ? 5 : 2
    }

    /// Calls `body` with one iovec per field, as sd_journal_sendv takes them.
    func withIOVecs<Result>(_ body: (UnsafeBufferPointer<iovec>) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { base in
            var vectors: [iovec] = []
            vectors.reserveCapacity(ends.count)
            var start = 0
            for end in ends {
                vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: base.baseAddress! + start),
                                     iov_len: end - start))
                start = end
            }
            return vectors.withUnsafeBufferPointer(body)
        }
    }
}
