/// A fixed number of the newest elements; appending past the capacity overwrites the oldest and
/// counts it in `overwritten`.
struct Ring<Element> {
    let capacity: Int
    private var storage: [Element] = []
    /// Index in `storage` of the oldest element once the ring is full.
    private var head = 0
    private(set) var overwritten = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var count: Int { storage.count }
    var isEmpty: Bool { storage.isEmpty }
    /// Elements ever appended.
    var appended: Int { storage.count + overwritten }

    /// Appends `element`; returns the element it overwrote, if any.
    @discardableResult
    mutating func append(_ element: Element) -> Element? {
        if storage.count < capacity {
            storage.append(element)
            return nil
        }
        let old = storage[head]
        storage[head] = element
        head = (head + 1) % capacity
        overwritten += 1
        return old
    }

    /// The element `age` places back from the newest (0: the newest).
    subscript(newest age: Int) -> Element {
        storage[(head + storage.count - 1 - age) % storage.count]
    }

    /// Oldest to newest.
    var elements: [Element] {
        Array(storage[head...] + storage[..<head])
    }

    /// Newest to oldest, until `body` returns false.
    func reverseScan(_ body: (Element) -> Bool) {
        for age in 0..<storage.count where !body(self[newest: age]) { return }
    }
}
