/// Who a span instance belongs to: it encloses the owner's lines, and is abandoned when the
/// owner ends (for `t`, `p` and `pp` spans).
enum SpanOwner: Hashable, SpanIndexKey {
    case thread(Int32)
    case process(Int32)

    var indexWord: UInt64 {
        switch self {
        case .thread(let tid): UInt64(UInt32(bitPattern: tid))
        case .process(let pid): UInt64(UInt32(bitPattern: pid)) | 1 << 32
        }
    }
}

/// The matching key of a span: resolved id and exact tag list. Args are not part of it. The
/// tag list's hash is computed once, when the tags are interned: a key is hashed several times
/// per span (open, close, and the index upkeep of each), and hashing strings is most of it.
struct SpanKey: SpanIndexKey {
    var id: Int64
    var tags: [String]
    var tagsHash: UInt32

    var indexWord: UInt64 { UInt64(bitPattern: id) ^ UInt64(tagsHash) &* 0x9E37_79B9_7F4A_7C15 }

    static func == (lhs: SpanKey, rhs: SpanKey) -> Bool {
        lhs.id == rhs.id && lhs.tagsHash == rhs.tagsHash && lhs.tags == rhs.tags
    }
}
