import SpanlogTestSupport
import Foundation
import Testing
@testable import SpanlogCore

/// One line of the shared vector file (Fixtures/marker-vectors.jsonl).
struct MarkerVector: CustomTestStringConvertible, Sendable {
    let input: String
    let expect: String
    let json: [String: JSONValue]
    var testDescription: String { input.debugDescription }

    enum JSONValue: @unchecked Sendable {
        case value(Any)
    }

    static func load() throws -> [MarkerVector] {
        let url = try #require(Bundle.module.url(forResource: "marker-vectors", withExtension: "jsonl",
                                                 subdirectory: "Fixtures"))
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return MarkerVector(input: object["input"] as! String, expect: object["expect"] as! String,
                                json: object.mapValues { JSONValue.value($0) })
        }
    }

    func field(_ name: String) -> Any? {
        guard case .value(let value)? = json[name] else { return nil }
        return value
    }
}

@Suite struct MarkerParserTests {
    static let vectors = (try? MarkerVector.load()) ?? []

    @Test func vectorFileIsLoaded() {
        #expect(Self.vectors.count > 100)
    }

    @Test(arguments: vectors)
    func parsesSharedVector(_ vector: MarkerVector) throws {
        let result = MarkerParser.parse(Array(vector.input.utf8))
        switch (vector.expect, result) {
        case ("ok", .marker(let marker, _)):
            #expect(marker.direction == (vector.field("dir") as? String == ">" ? .enter : .exit))
            let id = try #require(vector.field("id") as? [String: Any])
            switch id["kind"] as? String {
            case "number": #expect(marker.id == .number(Int64(id["value"] as! Int)))
            case "global": #expect(marker.id == .global)
            case "thread": #expect(marker.id == .thread)
            case "process": #expect(marker.id == .process)
            case "parent": #expect(marker.id == .parent)
            default: Issue.record("unknown id kind in vector")
            }
            #expect(marker.tags == vector.field("tags") as? [String])
            let args = (vector.field("args") as? [[String]]) ?? []
            #expect(marker.args.map { [$0.name, $0.value] } == args)
        case ("error", .invalid(let error)):
            #expect(error.column >= 1)
            #expect(!error.message.isEmpty)
        case ("incomplete", .incomplete):
            break
        default:
            Issue.record("expected \(vector.expect), got \(result)")
        }
    }

    @Test func errorColumnPointsAtTheOffendingByte() {
        guard case .invalid(let error) = MarkerParser.parse(Array(">:1:ab=c::".utf8)) else {
            Issue.record("expected an error")
            return
        }
        #expect(error.column == 7)
        guard case .invalid(let idError) = MarkerParser.parse(Array(">:12a:x::".utf8)) else {
            Issue.record("expected an error")
            return
        }
        #expect(idError.column == 5)
    }

    @Test func terminatedLineCannotBeIncomplete() {
        #expect(MarkerParser.parse(Array(">:1:a:".utf8)) == .incomplete)
        guard case .invalid = MarkerParser.parse(Array(">:1:a:\n".utf8)) else {
            Issue.record("a line with its newline must be complete")
            return
        }
    }

    @Test func extremeIDsParseWithoutWrapping() {
        #expect(MarkerParser.parse(Array(">:9223372036854775807:a::".utf8)).marker?.id == .number(.max))
        #expect(MarkerParser.parse(Array(">:-9223372036854775808:a::".utf8)).marker?.id == .number(.min))
        #expect(MarkerParser.parse(Array(">:-9223372036854775809:a::".utf8)).marker == nil)
    }

    @Test func markerLongerThanFourKilobytesParses() {
        let longValue = String(repeating: "x", count: 10_000)
        let marker = MarkerParser.parse(Array(">:1:big:v=\(longValue):".utf8)).marker
        #expect(marker?.args.first?.value.count == 10_000)
    }

    @Test func jsonArgumentNumbersAndBooleansKeepTheirText() {
        let marker = MarkerParser.parse(Array(#"[">", 1, ["a"], [{"rows": 10}, {"ok": true}, {"x": -1.5e3}]]"#.utf8)).marker
        #expect(marker?.args.map(\.value) == ["10", "true", "-1.5e3"])
    }

    @Test func looksLikeMarkerSeparatesMarkersFromDiscardedOutput() {
        #expect(MarkerParser.looksLikeMarker(Array(">:t:x::".utf8)[...]))
        #expect(MarkerParser.looksLikeMarker(Array(#"[">", 1"#.utf8)[...]))
        #expect(!MarkerParser.looksLikeMarker(Array("<html>".utf8)[...]))
        #expect(!MarkerParser.looksLikeMarker(Array("hello".utf8)[...]))
        #expect(!MarkerParser.looksLikeMarker(Array("[1, 2]".utf8)[...]))
    }

    /// Property: rendering a marker in the simple form and parsing it gives the marker back.
    @Test func renderedMarkersParseBack() {
        var generator = SplitMix64(seed: 0x5eed)
        // "\u{35E}": a combining mark, which joins the character before it (found by the fuzzer:
        // `>` and the mark are one character, but the parser sees the `>` byte).
        let alphabet = Array("abcXYZ019 .:,=<>\\-_/éü日").map(String.init) + ["\u{35E}"]
        func randomText(_ maxLength: Int) -> String {
            (0..<Int(generator.next() % UInt64(maxLength + 1))).map { _ in
                alphabet[Int(generator.next() % UInt64(alphabet.count))]
            }.joined()
        }
        for _ in 0..<2000 {
            let ids: [Marker.ID] = [.global, .thread, .process, .parent,
                                    .number(Int64(bitPattern: generator.next()))]
            var tags = (0..<Int(generator.next() % 4)).map { _ in randomText(6) }
            if tags == [""] { tags = ["x"] }  // a single empty tag is only expressible in JSON
            let args = (0..<Int(generator.next() % 4)).map { _ in (name: randomText(5), value: randomText(8)) }
            let marker = Marker(direction: generator.next() % 2 == 0 ? .enter : .exit,
                                id: ids[Int(generator.next() % 5)], tags: tags, args: args)
            let parsed = MarkerParser.parse(Array(marker.simpleForm.utf8)).marker
            #expect(parsed == marker, "\(marker.simpleForm)")
        }
    }
}

extension MarkerParseResult {
    var marker: Marker? {
        if case .marker(let marker, _) = self { return marker }
        return nil
    }
}

/// A small deterministic generator, so property tests fail the same way every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
