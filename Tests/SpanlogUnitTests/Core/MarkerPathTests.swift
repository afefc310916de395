import SpanlogTestSupport
import Foundation
import Testing
@testable import SpanlogCore
@testable import SpanlogOutputs

/// The marker path's shortcuts against the plain code they stand in for: the marker cache
/// against the parser, arguments rendered from their bytes against arguments rendered from
/// strings, the tracker's index against a dictionary, the number writers against the
/// standard library.
@Suite struct MarkerPathTests {
    /// Lines from a small alphabet with every byte the grammar cares about, many of them
    /// well-formed markers, so that lines, heads and argument lists repeat.
    static func lines(count: Int, seed: UInt64) -> [[UInt8]] {
        var generator = SplitMix64(seed: seed)
        func pick<T>(_ items: [T]) -> T { items[Int(generator.next() % UInt64(items.count))] }
        let pieces = ["a", "b", "req", "db", "é", "日", "\"", "\t", "1", "=", ",", ".", ":", "\\", "<", ">", " "]
        func text(_ maxLength: Int) -> String { (0..<Int(generator.next() % UInt64(maxLength + 1))).map { _ in pick(pieces) }.joined() }
        let heads = [">:t:req:", "<:t:req:", ">:t:req.db:", "<:t:req.db:", "=:t:req:", ">:p:a.b:", "<:p:a.b:",
                     ">:12:req:", "<:12:req:", ">::req:", ">:none:req:", "=:none::", "<:t::", ">:x1:a:", ">:t:r\\.q:"]
        let argumentLists = ["", "status=200", "user=42,item=7", "k=v,k=w", "a=\"q\"", "path=/x/é", "bad", "a=1,",
                             "x=a\\,b", "n=1,n=2,m=3"]
        return (0..<count).map { _ in
            switch generator.next() % 4 {
            case 0: return Array(text(24).utf8)
            case 1: return Array((pick(heads) + text(12) + ":" + text(4)).utf8)
            default: return Array((pick(heads) + pick(argumentLists) + ":").utf8)
            }
        }
    }

    @Test func markerCacheAgreesWithTheParser() {
        var cache = MarkerCache()
        var fromCache = 0
        for line in Self.lines(count: 3000, seed: 0xCAC4E) {
            // Each line three times: a first sighting, then what the caches remember.
            for _ in 0..<3 {
                guard let cached = cache.parse(line[...]) else { continue }
                fromCache += 1
                let parsed = MarkerParser.parseLine(line[...], terminated: true)
                guard case .marker(let marker, _) = parsed else {
                    Issue.record("the cache accepted \(String(decoding: line, as: UTF8.self).debugDescription), the parser: \(parsed)")
                    continue
                }
                #expect(cached == marker, "\(String(decoding: line, as: UTF8.self).debugDescription)")
                #expect(cached.tagsHash == Marker.tagsHash(marker.tags))
            }
        }
        #expect(fromCache > 3000, "the shortcut is taken for well-formed simple markers")
    }

    @Test func argumentsRenderTheSameFromBytesAndFromStrings() throws {
        var generator = SplitMix64(seed: 0xA125)
        let names = ["user", "item", "k", "é", "a\"b", "x y", "n"]
        let values = ["42", "", "a=b", "日本", "q\"uote", "tab\there", "<v>", "a,b"]
        for round in 0..<400 {
            let count = round % 23 == 0 ? 17 + Int(generator.next() % 4) : Int(generator.next() % 5)
            let pairs = (0..<count).map { _ in
                (name: names[Int(generator.next() % UInt64(names.count))],
                 value: values[Int(generator.next() % UInt64(values.count))])
            }
            let line = Marker(direction: .enter, id: .thread, tags: ["t"], args: pairs).simpleForm
            let parsed = try #require(MarkerParser.parse(Array(line.utf8)).marker, "\(line)")
            #expect(parsed.args.count == pairs.count)
            for name in names {
                #expect(parsed.args.value(named: name) == pairs.first { $0.name == name }?.value)
            }
            #expect(render(parsed.args) == render(MarkerArgs(pairs)), "\(line)")
        }
    }

    /// A span record's JSON with these exit arguments.
    private func render(_ args: MarkerArgs) -> String {
        let output = MemoryOutput()
        let renderer = JSONRenderer(output: output)
        let span = SpanRecord(summary: SpanSummary(uid: SpanUID(session: 1, sequence: 1), id: 1, tags: ["t"]),
                              parent: nil, depth: 0, pid: 1, tid: 1, comm: "c", start: 0, end: 1, enterArgs: [],
                              exitArgs: args, lines: 0, errors: 0, errorsTotal: 0, endReason: .exitMarker, container: nil,
                              parentIsOpen: false)
        renderer.emit(.span(span))
        renderer.emit(.span(span))
        renderer.flush()
        return output.text
    }

    @Test func spanIndexMatchesADictionary() {
        var generator = SplitMix64(seed: 0x1DE4)
        var index = SpanIndex<SpanOwner>()
        var model: [SpanOwner: SpanInstance] = [:]
        let instances = (0..<64).map {
            SpanInstance(sequence: UInt64($0), id: 0, tags: [], tagsHash: 0, enterArgs: [], survivesOwner: false,
                         parent: nil, process: nil, pid: 1, tid: 1, start: 0, owner: nil, trace: .none)
        }
        for step in 0..<20_000 {
            // Keys from a range that grows and shrinks: the table grows, and deletions shift runs.
            let range = UInt64(step < 10_000 ? 2_000 : 300)
            let raw = Int32(truncatingIfNeeded: generator.next() % range)
            let key: SpanOwner = generator.next() % 2 == 0 ? .thread(raw) : .process(raw)
            switch generator.next() % 3 {
            case 0, 1:
                let instance = instances[Int(generator.next() % 64)]
                let old = index.update(.passUnretained(instance), forKey: key)?.takeUnretainedValue()
                #expect(old === model.updateValue(instance, forKey: key))
            default:
                let old = index.removeValue(forKey: key)?.takeUnretainedValue()
                #expect(old === model.removeValue(forKey: key))
            }
            #expect(index[key] === model[key])
            #expect(index.count == model.count)
        }
        for (key, instance) in model { #expect(index[key] === instance) }
        var seen = 0
        index.forEach { key, instance in
            seen += 1
            #expect(model[key] === instance)
        }
        #expect(seen == model.count)
    }

    @Test func numbersAreWrittenAsTheStandardLibraryWritesThem() {
        var generator = SplitMix64(seed: 0xD161)
        let edges: [UInt64] = [0, 1, 9, 10, 99, 100, 999_999_999, 1_000_000_000, UInt64(Int64.max), .max]
        for round in 0..<3000 {
            let value = round < edges.count ? edges[round] : generator.next() >> (generator.next() % 64)
            let width = Int(generator.next() % 22)
            let buffer = ByteBuffer()
            buffer.appendUnsigned(value, width: width)
            let decimal = String(value)
            #expect(String(decoding: buffer.bytes, as: UTF8.self)
                    == String(repeating: "0", count: max(0, width - decimal.count)) + decimal)
            buffer.removeAll()
            buffer.appendHex(value, minimumDigits: width)
            let hex = String(value, radix: 16)
            #expect(String(decoding: buffer.bytes, as: UTF8.self)
                    == String(repeating: "0", count: max(0, width - hex.count)) + hex)
            buffer.removeAll()
            buffer.appendNineDigits(value % 1_000_000_000)
            let nine = String(value % 1_000_000_000)
            #expect(String(decoding: buffer.bytes, as: UTF8.self) == String(repeating: "0", count: 9 - nine.count) + nine)
        }
    }

    @Test func timestampsAtTheEndsOfTheRange() {
        var formatter = TimestampFormatter()
        for nanoseconds: Int64 in [.min, .max, 0, -1, 1_795_000_000_123_456_789, -1_000_000_000] {
            var (second, fraction) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
            if fraction < 0 {
                second -= 1
                fraction += 1_000_000_000
            }
            let buffer = ByteBuffer()
            formatter.append(nanoseconds, to: buffer)
            let digits = String(fraction)
            #expect(String(decoding: buffer.bytes, as: UTF8.self)
                    == TimestampFormatter.dateTime(second) + "." + String(repeating: "0", count: 9 - digits.count) + digits + "Z")
        }
    }
}
