/// Remembers the parts of simple markers that repeat, by their bytes: a service writes the same
/// few heads (`>:t:checkout:`) and often the same exit arguments (`status=200`) millions of
/// times, and turning them into strings again each time was most of a marker's cost.
///
/// Only what the full parser accepted is remembered, and a remembered part is used only for the
/// same bytes, so a marker parsed here is exactly what `SimpleMarkerParser` makes of it.
/// Direct-mapped and bounded: a slot holds the last part hashed to it; a collision costs one
/// full parse. Whole lines and argument lists are kept from their second sighting, so
/// per-request values (`user=42`) never displace the ones that repeat.
struct MarkerCache {
    private static let slots = 1024

    /// A line that repeats exactly (an exit marker with the same arguments): one hash and one
    /// compare give its marker.
    private final class Line {
        let bytes: [UInt8]
        let marker: Marker

        init(bytes: [UInt8], marker: Marker) {
            self.bytes = bytes
            self.marker = marker
        }
    }

    /// `DIR:ID:TAGS:` and what it parsed to; the tag list is shared by every marker using it.
    private final class Head {
        let bytes: [UInt8]
        let direction: Marker.Direction
        let id: Marker.ID
        let tags: [String]
        let tagsHash: UInt32

        init(bytes: [UInt8], marker: Marker, tags: [String]) {
            self.bytes = bytes
            self.direction = marker.direction
            self.id = marker.id
            self.tags = tags
            self.tagsHash = Marker.tagsHash(tags)
        }
    }

    /// One array per tag list across heads, so that an exit's tags are the very array its
    /// enter's were, and comparing the two is a pointer compare.
    private var tagLists: [[String]: [String]] = [:]

    private mutating func shared(_ tags: [String]) -> [String] {
        if let known = tagLists[tags] { return known }
        if tagLists.count >= 4096 { tagLists.removeAll(keepingCapacity: true) }
        tagLists[tags] = tags
        return tags
    }

    private var lines = [Line?](repeating: nil, count: slots)
    private var lineCandidates = [UInt64](repeating: 0, count: slots)
    private var heads = [Head?](repeating: nil, count: slots)
    /// Argument lists kept as bytes (`MarkerArgs.bytes` is never nil here).
    private var argumentLists = [MarkerArgs?](repeating: nil, count: slots)
    /// The hash of the last argument list seen once in each slot, not yet kept.
    private var argumentCandidates = [UInt64](repeating: 0, count: slots)

    /// The marker on `line`, or nil when the line is not a complete simple marker without
    /// escapes in its head (the caller then runs the full parser, which also reports errors).
    mutating func parse(_ line: ArraySlice<UInt8>) -> Marker? {
        let lineHash = Self.hash(line) | 1  // never 0, the empty candidate slot
        let lineSlot = Int(truncatingIfNeeded: lineHash >> 40) & (Self.slots - 1)
        if let cached = lines[lineSlot], Self.equal(cached.bytes, line) { return cached.marker }
        guard let marker = parseParts(line) else { return nil }
        if lineCandidates[lineSlot] == lineHash {
            lines[lineSlot] = Line(bytes: Array(line), marker: marker)
        } else {
            lineCandidates[lineSlot] = lineHash
        }
        return marker
    }

    /// The marker from its remembered head and argument list, parsing what is new.
    private mutating func parseParts(_ line: ArraySlice<UInt8>) -> Marker? {
        guard let (headEnd, argsEnd) = line.withUnsafeBufferPointer(Self.boundaries) else { return nil }
        let start = line.startIndex
        let headBytes = line[start..<(start + headEnd + 1)]

        let headSlot = Int(truncatingIfNeeded: Self.hash(headBytes)) & (Self.slots - 1)
        guard let head = heads[headSlot], Self.equal(head.bytes, headBytes) else {
            // A new head: the full parser decides, and the head is kept if it accepted the line.
            var parser = SimpleMarkerParser(line: line)
            guard case .marker(var marker, _) = parser.parse() else { return nil }
            let head = Head(bytes: Array(headBytes), marker: marker, tags: shared(marker.tags))
            heads[headSlot] = head
            marker.tags = head.tags
            marker.tagsHash = head.tagsHash
            return marker
        }

        if argsEnd == headEnd {
            return Marker(direction: head.direction, id: head.id, tags: head.tags, tagsHash: head.tagsHash)
        }
        let argsStart = start + headEnd + 1
        let argBytes = line[argsStart..<(start + argsEnd)]
        let argsHash = Self.hash(argBytes) | 1  // never 0, the empty candidate slot
        let argsSlot = Int(truncatingIfNeeded: argsHash >> 20) & (Self.slots - 1)
        if let cached = argumentLists[argsSlot], let bytes = cached.bytes, Self.equal(bytes, argBytes) {
            return Marker(direction: head.direction, id: head.id, tags: head.tags, tagsHash: head.tagsHash,
                          args: cached)
        }
        guard case .success(let args) = SimpleMarkerParser(line: line).parseArgs(from: argsStart, to: start + argsEnd) else {
            return nil
        }
        guard argumentCandidates[argsSlot] == argsHash else {
            argumentCandidates[argsSlot] = argsHash
            return Marker(direction: head.direction, id: head.id, tags: head.tags, tagsHash: head.tagsHash, args: args)
        }
        argumentLists[argsSlot] = args
        return Marker(direction: head.direction, id: head.id, tags: head.tags, tagsHash: head.tagsHash, args: args)
    }

    /// Where a simple marker's head ends (its third `:`) and where its arguments end (the last
    /// unescaped `:` of the line; the head's own when the marker has none), as offsets; nil when
    /// the line is no complete simple marker or its head holds a backslash.
    private static func boundaries(_ raw: UnsafeBufferPointer<UInt8>) -> (head: Int, args: Int)? {
        let count = raw.count
        guard count >= 4, raw[1] == MarkerParser.colon,
              raw[0] == Marker.Direction.enter.rawValue || raw[0] == Marker.Direction.exit.rawValue
                || raw[0] == Marker.Direction.switchTo.rawValue
        else { return nil }
        // Two more ':' end the head; a backslash in it sends the line to the full parser.
        guard let second = ByteSearch.first(MarkerParser.colon, or: MarkerParser.backslash, in: raw, from: 2),
              raw[second] == MarkerParser.colon,
              let head = ByteSearch.first(MarkerParser.colon, or: MarkerParser.backslash, in: raw, from: second + 1),
              raw[head] == MarkerParser.colon, head + 1 < count
        else { return nil }
        if raw[head + 1] == MarkerParser.colon { return (head, head) }
        var last = -1
        var index = head + 1
        while let found = ByteSearch.first(MarkerParser.colon, or: MarkerParser.backslash, in: raw, from: index) {
            if raw[found] == MarkerParser.colon {
                last = found
                index = found + 1
            } else {
                index = found + 2  // an escaped byte
            }
        }
        return last < 0 ? nil : (head, last)
    }

    private static func equal(_ stored: [UInt8], _ bytes: ArraySlice<UInt8>) -> Bool {
        guard stored.count == bytes.count else { return false }
        return stored.withUnsafeBytes { a in
            bytes.withUnsafeBytes { b in
                let count = a.count
                guard count >= 8 else {
                    for offset in 0..<count where a[offset] != b[offset] { return false }
                    return true
                }
                var offset = 0
                while offset &+ 8 < count {
                    if a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                        != b.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
                    offset &+= 8
                }
                // The last eight bytes, overlapping the words before.
                return a.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                    == b.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            }
        }
    }

    /// Eight bytes at a time, multiply and fold: cheap, and only ever used for a slot number.
    private static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBytes { raw in
            let count = raw.count
            var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
            var tail: UInt64 = 0
            if count >= 8 {
                var offset = 0
                while offset &+ 8 < count {
                    hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
                    hash ^= hash &>> 32
                    offset &+= 8
                }
                // The last eight bytes, overlapping the words before.
                tail = raw.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            } else {
                for offset in 0..<count { tail |= UInt64(raw[offset]) &<< UInt64(offset &* 8) }
            }
            hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
            return hash ^ (hash &>> 29)
        }
    }
}
