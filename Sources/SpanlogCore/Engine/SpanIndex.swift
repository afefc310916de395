/// A key of the tracker's indexes: one word of hash, from fields that are already numbers.
protocol SpanIndexKey: Equatable {
    var indexWord: UInt64 { get }
}

/// The tracker's indexes (newest open span per key, per owner): open addressing with linear
/// probing over one mixed word. A span costs about six index operations, and with `Dictionary`
/// (SipHash over every key) they were a tenth of a marker's time.
///
/// The mix is seeded per index at random, so key patterns cannot be chosen to collide in
/// advance; a workload that still collides costs probing time, never a wrong answer (keys are
/// compared in full).
struct SpanIndex<Key: SpanIndexKey> {
    /// 0 marks an empty slot (a key's hash is never 0).
    private var hashes: [UInt64]
    private var keys: [Key?]
    /// The newest instance, unretained (the tracker's age queue keeps open instances alive).
    private var tails: [SpanLink?]
    private(set) var count = 0
    private var mask: Int
    /// 64 minus the capacity's bits: a slot is the top bits of the hash (Fibonacci hashing,
    /// one multiply; the low bits of a product do not depend on the high bits of the key).
    private var shift: UInt64
    private let seed = UInt64.random(in: 1 ... .max)

    init() {
        let capacity = 16
        hashes = Array(repeating: 0, count: capacity)
        keys = Array(repeating: nil, count: capacity)
        tails = Array(repeating: nil, count: capacity)
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    var isEmpty: Bool { count == 0 }

    @inline(__always) private func hash(_ key: Key) -> UInt64 {
        (key.indexWord ^ seed) &* 0x9E37_79B9_7F4A_7C15 | 1  // never 0, the empty mark
    }

    @inline(__always) private func home(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash &>> shift) }

    @inline(__always) private func slot(of key: Key, hash: UInt64) -> Int? {
        var index = home(hash)
        while true {
            let stored = hashes[index]
            if stored == 0 { return nil }
            if stored == hash, keys[index] == key { return index }
            index = (index &+ 1) & mask
        }
    }

    subscript(key: Key) -> SpanInstance? {
        guard let index = slot(of: key, hash: hash(key)) else { return nil }
        return tails[index]?.takeUnretainedValue()
    }

    /// Sets the newest instance for `key` and returns the one it replaces.
    @discardableResult
    mutating func update(_ link: SpanLink, forKey key: Key) -> SpanLink? {
        let hash = hash(key)
        var index = home(hash)
        while true {
            let stored = hashes[index]
            if stored == 0 { break }
            if stored == hash, keys[index] == key {
                let old = tails[index]
                tails[index] = link
                return old
            }
            index = (index &+ 1) & mask
        }
        if (count + 1) * 4 > hashes.count * 3 {
            grow()
            return update(link, forKey: key)
        }
        hashes[index] = hash
        keys[index] = key
        tails[index] = link
        count += 1
        return nil
    }

    /// The newest instance for `key`, which `replacement` then replaces (nil: the key leaves).
    mutating func replaceNewest(forKey key: Key, by replacement: (SpanLink) -> SpanLink?) -> SpanLink? {
        guard let index = slot(of: key, hash: hash(key)), let newest = tails[index] else { return nil }
        if let next = replacement(newest) {
            tails[index] = next
        } else {
            remove(at: index)
        }
        return newest
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> SpanLink? {
        guard let index = slot(of: key, hash: hash(key)) else { return nil }
        let old = tails[index]
        remove(at: index)
        return old
    }

    func forEach(_ body: (Key, SpanInstance) -> Void) {
        for index in hashes.indices where hashes[index] != 0 {
            if let key = keys[index], let link = tails[index] { body(key, link.takeUnretainedValue()) }
        }
    }

    /// Backward-shift deletion: later entries of the probe run move into the hole, so lookups
    /// never need tombstones.
    private mutating func remove(at removed: Int) {
        var hole = removed
        var index = (hole + 1) & mask
        while hashes[index] != 0 {
            let homeSlot = home(hashes[index])
            // Stays unless its home is cyclically outside (hole, index].
            let staysPut = hole < index ? (homeSlot > hole && homeSlot <= index) : (homeSlot > hole || homeSlot <= index)
            if !staysPut {
                hashes[hole] = hashes[index]
                keys[hole] = keys[index]
                tails[hole] = tails[index]
                hole = index
            }
            index = (index + 1) & mask
        }
        hashes[hole] = 0
        keys[hole] = nil
        tails[hole] = nil
        count -= 1
    }

    private mutating func grow() {
        let oldHashes = hashes, oldKeys = keys, oldTails = tails
        let capacity = hashes.count * 2
        hashes = Array(repeating: 0, count: capacity)
        keys = Array(repeating: nil, count: capacity)
        tails = Array(repeating: nil, count: capacity)
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        for old in oldHashes.indices where oldHashes[old] != 0 {
            var index = home(oldHashes[old])
            while hashes[index] != 0 { index = (index + 1) & mask }
            hashes[index] = oldHashes[old]
            keys[index] = oldKeys[old]
            tails[index] = oldTails[old]
        }
    }
}
