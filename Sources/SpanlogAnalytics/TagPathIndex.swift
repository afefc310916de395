/// Numbers tag paths for per-path tables, fast for the common case: the engine shares one array
/// among all spans with the same tags, so a path seen before is found by its storage address,
/// without hashing its strings. The arrays looked up by address are kept alive here, so an
/// address can never be reused for other tags while it is in the table.
struct TagPathIndex {
    private(set) var paths: [[String]] = []
    private var byContent: [[String]: Int] = [:]
    private var byStorage: [UnsafeRawPointer: (tags: [String], index: Int)] = [:]

    mutating func index(of tags: [String]) -> Int {
        let storage = tags.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        if let storage, let known = byStorage[storage], known.tags == tags { return known.index }
        let index: Int
        if let known = byContent[tags] {
            index = known
        } else {
            index = paths.count
            paths.append(tags)
            byContent[tags] = index
        }
        if let storage {
            if byStorage.count >= 4096 { byStorage.removeAll(keepingCapacity: true) }
            byStorage[storage] = (tags, index)
        }
        return index
    }
}
