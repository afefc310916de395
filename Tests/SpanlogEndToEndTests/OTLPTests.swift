import SpanlogTestSupport
import Foundation
import Testing

/// Why the OTLP tests cannot run here, or nil.
enum OTLPSupport {
    static let python = Repository.root.appendingPathComponent(".build-tools/python").path
    static let skipReason: String? = {
        if let reason = KernelSupport.skipReason { return reason }
        if !FileManager.default.fileExists(atPath: python + "/opentelemetry/proto/collector/trace/v1/trace_service_pb2.py") {
            return "opentelemetry-proto is not installed in .build-tools/python (scripts/setup.sh installs it from PyPI)"
        }
        return nil
    }()
}

/// An OTLP/HTTP receiver on 127.0.0.1 that decodes what it gets with the official OpenTelemetry
/// protobuf definitions (Workloads/otlp_receiver.py), and what it decoded.
final class OTLPReceiver {
    let port: Int
    let out: String
    private let process: Background

    init(_ workspace: Workspace, port: Int = 0, status: Int? = nil) throws {
        out = workspace.path("otlp-\(UUID().uuidString).jsonl")
        let script = try workspace.workload("otlp_receiver.py")
        process = try Background("/usr/bin/env", ["PYTHONPATH=\(OTLPSupport.python)", "python3", script, String(port), out]
                                 + (status.map { ["--status", String($0)] } ?? []))
        let line = try #require(process.waitForLine(containing: "listening"), "the receiver did not start")
        self.port = try #require(Int(line.split(separator: " ").last ?? ""))
    }

    deinit { process.kill() }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Every request it decoded (or failed to: those have an `error`).
    var requests: [[String: Any]] {
        ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    var errors: [String] { requests.compactMap { $0["error"] as? String } }

    /// Spans, each with its resource's attributes under "resource".
    var spans: [[String: Any]] { items(signal: "traces", resources: "resourceSpans", scopes: "scopeSpans", items: "spans") }
    var logs: [[String: Any]] { items(signal: "logs", resources: "resourceLogs", scopes: "scopeLogs", items: "logRecords") }

    private func items(signal: String, resources: String, scopes: String, items: String) -> [[String: Any]] {
        var found: [[String: Any]] = []
        for request in requests where request["signal"] as? String == signal {
            let body = request["request"] as? [String: Any] ?? [:]
            for resource in body[resources] as? [[String: Any]] ?? [] {
                let attributes = Self.attributes((resource["resource"] as? [String: Any])?["attributes"])
                for scope in resource[scopes] as? [[String: Any]] ?? [] {
                    for var item in scope[items] as? [[String: Any]] ?? [] {
                        item["resource"] = attributes
                        item["attrs"] = Self.attributes(item["attributes"])
                        found.append(item)
                    }
                }
            }
        }
        return found
    }

    /// OTLP attributes as a dictionary of plain values (strings, ints as strings, string arrays).
    static func attributes(_ list: Any?) -> [String: Any] {
        var values: [String: Any] = [:]
        for attribute in list as? [[String: Any]] ?? [] {
            guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any] else { continue }
            if let array = (value["arrayValue"] as? [String: Any])?["values"] as? [[String: Any]] {
                values[key] = array.compactMap { $0["stringValue"] as? String }
            } else {
                values[key] = value["stringValue"] ?? value["intValue"] ?? value["boolValue"]
            }
        }
        return values
    }
}

/// The OTLP output against a real receiver: spans as traces with their parent links, lines and
/// alerts as logs carrying their span's ids, a client and a server in two sessions joined into
/// one trace by `traceparent`, and what a receiver that is away or refuses costs (counted).
@Suite(.serialized, .enabled(if: OTLPSupport.skipReason == nil, Comment(rawValue: OTLPSupport.skipReason ?? "")))
struct OTLPTests {
    /// The OTLP output's entry in a stats record.
    static func outputStatus(_ stats: [String: Any]?) -> [String: Any] {
        let outputs = stats?["outputs"] as? [[String: Any]] ?? []
        return outputs.first { ($0["name"] as? String)?.hasPrefix("otlp:") == true } ?? [:]
    }

    static func outputStatus(_ result: SpanlogBinary.Result) -> [String: Any] { outputStatus(result.stats) }

    /// RFC 3339 with nanoseconds, as JSON records write times, from OTLP's nanoseconds.
    static func rfc3339(_ nanoseconds: String) -> String {
        let value = Int64(nanoseconds) ?? 0
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        let seconds = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(value / 1_000_000_000)))
        return seconds.dropLast() + "." + String(format: "%09lld", value % 1_000_000_000) + "Z"
    }

    @Test func spansAndLinesArriveWithTheirTraceParentLinksAndExactTimes() throws {
        let workspace = try Workspace()
        let receiver = try OTLPReceiver(workspace)
        try workspace.write("job.sh", """
            echo ">:t:checkout:order=42:" > /dev/null
            echo "checkout started"
            echo ">:t:checkout.db:table=orders:" > /dev/null
            echo "ERROR query timed out" >&2
            echo "<:t:checkout.db:rows=0:" > /dev/null
            printf 'not utf-8: \\377\\n'
            echo "<:t:checkout:status=500:" > /dev/null
            """)
        let result = try SpanlogBinary.run(["run", "--output", "otlp:\(receiver.url)?service=shop",
                                            "--output", "json", "--", "/bin/bash", workspace.path("job.sh")], in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(receiver.errors.isEmpty, "the receiver could not decode: \(receiver.errors)")

        let jsonSpans = result.spans
        let otlpSpans = receiver.spans
        #expect(jsonSpans.count == 2 && otlpSpans.count == 2, "\(otlpSpans)")
        for json in jsonSpans {
            let span = try #require(otlpSpans.first { $0["spanId"] as? String == json["span_id"] as? String },
                                    "span \(json["uid"] ?? "") was not exported")
            #expect(span["traceId"] as? String == json["trace_id"] as? String)
            #expect(span["parentSpanId"] as? String == json["parent_span_id"] as? String)
            #expect(span["name"] as? String == (json["tags"] as? [String])?.joined(separator: "."))
            // Kernel timestamps, exactly: the same nanoseconds as the JSON record's.
            #expect(Self.rfc3339(span["startTimeUnixNano"] as? String ?? "") == json["start"] as? String)
            #expect(Self.rfc3339(span["endTimeUnixNano"] as? String ?? "") == json["end"] as? String)
            let attrs = span["attrs"] as? [String: Any] ?? [:]
            #expect(attrs["spanlog.span_uid"] as? String == json["uid"] as? String)
            let resource = span["resource"] as? [String: Any] ?? [:]
            #expect(resource["service.name"] as? String == "shop")
            #expect(resource["process.pid"] as? String == "\(json["pid"] ?? "")")
            #expect(resource["process.command"] as? String == "bash")
            #expect((resource["host.name"] as? String)?.isEmpty == false)
        }
        let root = try #require(otlpSpans.first { $0["name"] as? String == "checkout" })
        let child = try #require(otlpSpans.first { $0["name"] as? String == "checkout.db" })
        #expect(root["parentSpanId"] == nil, "a root has no parent")
        #expect(child["parentSpanId"] as? String == root["spanId"] as? String)
        #expect(child["traceId"] as? String == root["traceId"] as? String)
        #expect((root["attrs"] as? [String: Any])?["spanlog.exit.status"] as? String == "500")
        #expect((child["attrs"] as? [String: Any])?["spanlog.enter.table"] as? String == "orders")
        #expect((child["status"] as? [String: Any])?["code"] as? String == "STATUS_CODE_ERROR")

        // Lines: each with its span's ids; bytes that are not UTF-8 arrive unchanged.
        let logs = receiver.logs
        let started = try #require(logs.first { ($0["body"] as? [String: Any])?["stringValue"] as? String == "checkout started" })
        #expect(started["spanId"] as? String == root["spanId"] as? String)
        #expect(started["traceId"] as? String == root["traceId"] as? String)
        let failed = try #require(logs.first { ($0["body"] as? [String: Any])?["stringValue"] as? String == "ERROR query timed out" })
        #expect(failed["spanId"] as? String == child["spanId"] as? String)
        #expect(failed["severityNumber"] as? String == "SEVERITY_NUMBER_ERROR")
        #expect((failed["attrs"] as? [String: Any])?["log.iostream"] as? String == "stderr")
        let binary = try #require(logs.first { ($0["body"] as? [String: Any])?["bytesValue"] != nil })
        let bytes = Data(base64Encoded: (binary["body"] as? [String: Any])?["bytesValue"] as? String ?? "")
        #expect(bytes == Data("not utf-8: ".utf8) + Data([0xFF]))
        // Alerts (the default rules') are logs on their span too.
        let alerts = logs.filter { ($0["attrs"] as? [String: Any])?["event.name"] as? String == "spanlog.alert" }
        #expect(!alerts.isEmpty && alerts.allSatisfy { $0["traceId"] as? String == root["traceId"] as? String })

        let status = Self.outputStatus(result)
        #expect(status["exported_spans"] as? Int == 2)
        #expect(status["exported_logs"] as? Int == logs.count)
        #expect(status["dropped_spans"] as? Int == 0 && status["dropped_logs"] as? Int == 0)
    }

    /// A client and a server in two spanlog sessions (as on two hosts): the client declares its
    /// span's ids and passes them on as a traceparent; the server's span names it.
    @Test func aClientAndAServerInTwoSessionsJoinIntoOneTrace() throws {
        let workspace = try Workspace()
        let receiver = try OTLPReceiver(workspace)
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736", clientSpan = "00f067aa0ba902b7"
        try workspace.write("client.sh", """
            echo ">:t:call:trace_id=\(trace),span_id=\(clientSpan):" > /dev/null
            echo "calling the server"
            echo "00-\(trace)-\(clientSpan)-01" > traceparent.txt
            echo "<:t:call::" > /dev/null
            """)
        try workspace.write("server.sh", """
            read -r traceparent < traceparent.txt
            echo ">:t:handle:traceparent=$traceparent:" > /dev/null
            echo "handling the call"
            echo ">:t:handle.db::" > /dev/null
            echo "<:t:handle.db::" > /dev/null
            echo "<:t:handle::" > /dev/null
            """)
        for side in ["client", "server"] {
            let result = try SpanlogBinary.run(["run", "--output", "otlp:\(receiver.url)", "--output", "json", "--",
                                                "/bin/bash", workspace.path("\(side).sh")], in: workspace.url)
            #expect(result.status == 0, "\(side): \(result.stderr)")
            #expect(Self.outputStatus(result)["dropped_spans"] as? Int == 0)
        }
        #expect(receiver.errors.isEmpty, "\(receiver.errors)")
        let spans = receiver.spans
        let call = try #require(spans.first { $0["name"] as? String == "call" })
        let handle = try #require(spans.first { $0["name"] as? String == "handle" })
        let database = try #require(spans.first { $0["name"] as? String == "handle.db" })
        #expect(call["traceId"] as? String == trace && call["spanId"] as? String == clientSpan)
        #expect(handle["traceId"] as? String == trace)
        #expect(handle["parentSpanId"] as? String == clientSpan, "the server's span is the client span's child")
        #expect(handle["kind"] as? String == "SPAN_KIND_SERVER")
        #expect(database["traceId"] as? String == trace && database["parentSpanId"] as? String == handle["spanId"] as? String)
        let handling = try #require(receiver.logs.first { ($0["body"] as? [String: Any])?["stringValue"] as? String == "handling the call" })
        #expect(handling["traceId"] as? String == trace && handling["spanId"] as? String == handle["spanId"] as? String)
    }

    /// The receiver is away when the first batch is sent: spanlog says so, retries, and
    /// delivers everything once it is back; nothing is lost.
    @Test func aReceiverThatIsAwayForAWhileGetsEverythingOnceBack() throws {
        let workspace = try Workspace()
        let port = try Self.freePort()
        try workspace.write("job.sh", """
            echo ">:t:before::" > /dev/null; echo "while the receiver is away"; echo "<:t:before::" > /dev/null
            while [ ! -e go ]; do sleep 0.05; done
            echo ">:t:after::" > /dev/null; echo "once it is back"; echo "<:t:after::" > /dev/null
            """)
        let spanlog = try Background(SpanlogBinary.url.path, SpanlogBinary.withCaptureOptions(
            ["run", "--output", "otlp:http://127.0.0.1:\(port)", "--output", "json:\(workspace.path("records.jsonl"))", "--",
             "/bin/bash", workspace.path("job.sh")]), stdoutIsSignal: false, directory: workspace.url)
        // The real signal: spanlog's own report that the receiver cannot take the batch.
        let said = try #require(spanlog.waitForLine(containing: "otlp"), "spanlog never reported the receiver away")
        #expect(said.contains("retrying"), "\(said)")
        let receiver = try OTLPReceiver(workspace, port: port)
        try workspace.write("go", "")
        #expect(spanlog.wait() == 0)
        let records = jsonRecords(try String(contentsOfFile: workspace.path("records.jsonl"), encoding: .utf8))
        let status = Self.outputStatus(records.last { $0["type"] as? String == "stats" })
        #expect(Set(receiver.spans.compactMap { $0["name"] as? String }) == ["before", "after"])
        #expect(receiver.logs.count == 2)
        #expect((status["retries"] as? Int ?? 0) >= 1 && (status["failed_requests"] as? Int ?? 0) >= 1, "\(status)")
        #expect(status["dropped_spans"] as? Int == 0 && status["dropped_logs"] as? Int == 0, "\(status)")
    }

    /// Nobody ever listens: once the retry time is spent, the loss is counted and reported.
    @Test func aReceiverThatNeverComesCountsTheLoss() throws {
        let port = try Self.freePort()
        let result = try SpanlogBinary.run(["run", "--output", "otlp:http://127.0.0.1:\(port)?retry=1s", "--output", "json", "--",
                                            "/bin/bash", "-c", "echo '>:t:job::' > /dev/null; echo one; echo two; echo '<:t:job::' > /dev/null"])
        #expect(result.status == 0, "spanlog itself succeeds: \(result.stderr)")
        #expect(result.stderr.contains("otlp:http://127.0.0.1:\(port)"), "the failure is reported: \(result.stderr)")
        let status = Self.outputStatus(result)
        #expect(status["dropped_spans"] as? Int == 1 && status["dropped_logs"] as? Int == 2, "\(status)")
        #expect(status["exported_spans"] as? Int == 0)
        #expect((status["failed_writes"] as? Int ?? 0) >= 1 && (status["error"] as? String)?.isEmpty == false, "\(status)")
    }

    /// A receiver that refuses (HTTP 400): the batches are dropped at once, counted, with the
    /// receiver's reason; no retries.
    @Test func aReceiverThatAnswers400LosesTheBatchesCountedWithItsReason() throws {
        let workspace = try Workspace()
        let receiver = try OTLPReceiver(workspace, status: 400)
        let result = try SpanlogBinary.run(["run", "--output", "otlp:\(receiver.url)", "--output", "json", "--",
                                            "/bin/bash", "-c", "echo '>:t:job::' > /dev/null; echo one; echo '<:t:job::' > /dev/null"],
                                           in: workspace.url)
        #expect(result.status == 0, "\(result.stderr)")
        let status = Self.outputStatus(result)
        #expect(status["dropped_spans"] as? Int == 1 && status["dropped_logs"] as? Int == 1, "\(status)")
        #expect(status["retries"] as? Int == 0)
        #expect((status["error"] as? String)?.contains("HTTP 400") == true, "\(status)")
        #expect(result.stderr.contains("HTTP 400"), "\(result.stderr)")
    }

    @Test func aMalformedTraceparentIsReportedAndTheSpanStillExported() throws {
        let workspace = try Workspace()
        let receiver = try OTLPReceiver(workspace)
        let result = try SpanlogBinary.run(["run", "--output", "otlp:\(receiver.url)", "--output", "json", "--", "/bin/bash", "-c",
                                            "echo '>:t:job:traceparent=00-nothex-01:' > /dev/null; echo '<:t:job::' > /dev/null"],
                                           in: workspace.url)
        #expect(result.status == 0)
        let warning = result.records.first { $0["kind"] as? String == "trace_context_error" }
        #expect((warning?["message"] as? String)?.contains("00-nothex-01") == true, "\(result.records)")
        #expect(result.stats?["trace_context_errors"] as? Int == 1)
        #expect(receiver.spans.count == 1 && receiver.spans.first?["parentSpanId"] == nil)
    }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
