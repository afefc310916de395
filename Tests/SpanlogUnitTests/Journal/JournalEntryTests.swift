import SpanlogTestSupport
@testable import SpanlogCore
@testable import SpanlogJournal
import Testing

@Suite struct JournalEntryTests {
    func names(of entry: JournalEntry) -> [String] {
        var names: [String] = []
        var start = 0
        for end in entry.ends {
            let field = entry.bytes[start..<end]
            names.append(String(decoding: field.prefix { $0 != 0x3D }, as: UTF8.self))
            start = end
        }
        return names
    }

    @Test(arguments: [
        ("user", "SPAN_ARG_USER"), ("_PID", "SPAN_ARG__PID"), ("MESSAGE", "SPAN_ARG_MESSAGE"), ("priority", "SPAN_ARG_PRIORITY"),
        ("a b", "SPAN_ARG_A_B"), ("", "SPAN_ARG_"), ("ünï", "SPAN_ARG___N__"), ("x=y\n", "SPAN_ARG_X_Y_"),
    ])
    func argumentNamesCannotLeaveTheirPrefix(name: String, field: String) {
        #expect(String(decoding: JournalField.argumentName(prefix: "SPAN_ARG_", name), as: UTF8.self) == field)
    }

    @Test func longNamesAreCutTo64Bytes() {
        let name = JournalField.argumentName(prefix: "SPAN_ARG_", String(repeating: "a", count: 200))
        #expect(name.count == 64)
    }

    @Test func aLineEntryCarriesItsSpanAndOnlySpanlogsFieldNames() throws {
        let span = SpanSummary(uid: SpanUID(session: 1, sequence: 2), id: 7, tags: ["req", "db"],
                               parent: SpanUID(session: 1, sequence: 1), enterArgs: [(name: "MESSAGE", value: "x")])
        let line = LineRecord(timestamp: 0, pid: 10, tid: 11, comm: "app", stream: .stderr, path: nil,
                              text: Array("WARNING slow\nsecond".utf8)[...], level: .warning, truncated: true, span: span)
        let entry = try #require(JournalEntryBuilder().entry(for: .line(line)))
        #expect(names(of: entry) == ["MESSAGE", "MESSAGE_ID", "SPANLOG_TIMESTAMP", "PRIORITY", "SYSLOG_IDENTIFIER", "SYSLOG_PID", "OBJECT_PID",
                                     "LOG_STREAM", "SPANLOG_TRUNCATED", "SPAN_UID", "SPAN_ID", "SPAN_TAGS",
                                     "SPAN_PARENT_UID", "SPAN_ARG_MESSAGE"])
        #expect(entry.bytes.starts(with: Array("MESSAGE=WARNING slow\nsecond".utf8)))
        #expect(JournalEntryBuilder.priority(of: .warning) == 4 && JournalEntryBuilder.priority(of: nil) == 6)
        #expect(JournalEntryBuilder().entry(for: .span(SpanRecord(
            summary: span, parent: nil, depth: 0, pid: 1, tid: 1, comm: "", start: 0, end: 1, enterArgs: [], exitArgs: [],
            lines: 0, errors: 0, errorsTotal: 0, endReason: .exitMarker, container: nil, parentIsOpen: false))) == nil,
            "span ends only with --journald-spans")
    }
}
