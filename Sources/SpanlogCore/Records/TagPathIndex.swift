/// Numbers tag paths for per-path tables; a path seen before is found by its array's storage
/// (`TagListCache`), without hashing its strings.
package struct TagPathIndex {
    package private(set) var paths: [[String]] = []

    package init() {}
    private var byContent: [[String]: Int] = [:]
    private var byStorage = TagListCache<Int>()

    package mutating func index(of tags: [String]) -> Int {
        if let known = byStorage.value(for: tags) { return known }
        let index: Int
        if let known = byContent[tags] {
            index = known
        } else {
            index = paths.count
            paths.append(tags)
            byContent[tags] = index
        }
        byStorage.store(index, for: tags)
        return index
    }
}
