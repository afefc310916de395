import Foundation
@testable import SpanlogCore
@testable import SpanlogOutputs
import Testing

/// The OTLP output's pieces that need no receiver: reading its URL, and the encodings that
/// must be exact (base64 of bytes that are not UTF-8).
struct OTLPEncodingTests {
    @Test func theURLGivesHostPortPathsAndSettings() throws {
        let endpoint = try OTLPEndpoint(parsing: "http://collector.example:4318/otel/?service=shop&retry=5s")
        #expect(endpoint.host == "collector.example" && endpoint.port == 4318)
        #expect(endpoint.tracesPath == "/otel/v1/traces" && endpoint.logsPath == "/otel/v1/logs")
        #expect(endpoint.serviceName == "shop" && endpoint.retryNanoseconds == 5_000_000_000)
        #expect(endpoint.description == "http://collector.example:4318/otel/?service=shop&retry=5s")
        let plain = try OTLPEndpoint(parsing: "http://[::1]")
        #expect(plain.host == "::1" && plain.port == OTLPEndpoint.defaultPort && plain.tracesPath == "/v1/traces")
    }

    @Test(arguments: ["https://collector:4318", "collector:4318", "http://:4318", "http://host:http", "http://host:4318?colour=red",
                      "http://host:4318?retry=soon"])
    func aURLSpanlogCannotUseIsAUsageErrorThatSaysWhy(url: String) {
        #expect(throws: OutputError.self) { try OTLPEndpoint(parsing: url) }
        do {
            _ = try OTLPEndpoint(parsing: url)
        } catch {
            #expect(error.kind == .usage && !error.why.isEmpty && error.fix != nil, "\(error)")
        }
    }

    @Test func theOutputWordNamesIt() throws {
        let spec = try OutputSpec(parsing: "otlp:http://127.0.0.1:4318")
        #expect(spec.description == "otlp:http://127.0.0.1:4318" && !spec.isStandardOutput)
    }

    @Test func sixteenHexDigitsAtOnceAreTheDigits() {
        var values: [UInt64] = [0, 1, 9, 10, 15, 16, 0xFFFF_FFFF_FFFF_FFFF, 0x0123_4567_89AB_CDEF, 0xA0B0_C0D0_E0F0_0A0B]
        var generator = SystemRandomNumberGenerator()
        values += (0..<200).map { _ in generator.next() }
        for value in values {
            let buffer = ByteBuffer()
            buffer.appendHex16(value)
            #expect(String(decoding: buffer.bytes, as: UTF8.self) == TraceContext.hex(value), "\(value)")
        }
    }

    @Test func base64MatchesFoundationsForEveryLength() {
        for length in 0..<10 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 200) }
            let buffer = ByteBuffer()
            OTLPEncoder.appendBase64(bytes[...], to: buffer)
            #expect(String(decoding: buffer.bytes, as: UTF8.self) == Data(bytes).base64EncodedString())
        }
    }
}
