/// A value per tag list, found by the storage of the list's array instead of by hashing its
/// strings: the engine shares one array among all spans with the same tags, so a list seen
/// before is one pointer lookup away. The arrays are kept here, so an address can never be
/// reused for other tags while its entry lives. Bounded: past `limit` lists it starts afresh.
public struct TagListCache<Value> {
    private var entries: [UnsafeRawPointer: (tags: [String], value: Value)] = [:]
    public let limit: Int

    public init(limit: Int = 4096) {
        self.limit = limit
    }

    public func value(for tags: [String]) -> Value? {
        guard let storage = Self.storage(of: tags), let entry = entries[storage], entry.tags == tags else { return nil }
        return entry.value
    }

    public mutating func store(_ value: Value, for tags: [String]) {
        guard let storage = Self.storage(of: tags) else { return }  // an empty list has no storage
        if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
        entries[storage] = (tags, value)
    }

    private static func storage(of tags: [String]) -> UnsafeRawPointer? {
        tags.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }
}
