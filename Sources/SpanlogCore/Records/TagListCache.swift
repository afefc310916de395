/// A value per tag list, found by the storage of the list's array instead of by hashing its
/// strings: the engine shares one array among all spans with the same tags, so a list seen
/// before is one pointer away. Direct-mapped by that address (no hashing at all): a slot
/// holds the last list that fell into it, and keeps its array, so an address can never be
/// reused for other tags while its entry lives. Bounded by `limit` slots.
public struct TagListCache<Value> {
    private var slots: [(tags: [String], value: Value)?]
    private let mask: Int

    /// `limit` is rounded up to a power of two.
    public init(limit: Int = 4096) {
        var count = 1
        while count < max(1, limit) { count *= 2 }
        slots = Array(repeating: nil, count: count)
        mask = count - 1
    }

    public var limit: Int { slots.count }

    public func value(for tags: [String]) -> Value? {
        guard let storage = Self.storage(of: tags), let entry = slots[Self.slot(storage, mask)],
              Self.storage(of: entry.tags) == storage else { return nil }
        return entry.value
    }

    public mutating func store(_ value: Value, for tags: [String]) {
        guard let storage = Self.storage(of: tags) else { return }  // an empty list has no storage
        slots[Self.slot(storage, mask)] = (tags, value)
    }

    @inline(__always) private static func slot(_ storage: UnsafeRawPointer, _ mask: Int) -> Int {
        // Heap blocks are 16-byte aligned; fold in higher bits so neighbours spread.
        let address = Int(bitPattern: storage)
        return ((address >> 4) ^ (address >> 14)) & mask
    }

    private static func storage(of tags: [String]) -> UnsafeRawPointer? {
        tags.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }
}
