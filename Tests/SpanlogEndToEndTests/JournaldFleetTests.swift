import SpanlogTestSupport
import Foundation
import Testing

/// Why the fleet recipe cannot run here, or nil.
enum JournaldFleetSupport {
    static let skipReason: String? = {
        if let reason = JournaldSupport.skipReason { return reason }
        if access("/lib/systemd/systemd-journal-remote", X_OK) != 0 {
            return "systemd-journal-remote is not installed (Debian's systemd-journal-remote package)"
        }
        if access("/usr/sbin/ip", X_OK) != 0 && access("/sbin/ip", X_OK) != 0 { return "ip is not installed (iproute2)" }
        return nil
    }()
}

/// docs/recipes/journald-fleet.sh, run for real: two hosts (network namespaces, each with its
/// own hostname and systemd-journald) run spanlog into their journals, systemd-journal-upload
/// ships them, and a central systemd-journal-remote receives them. The central journal must
/// hold both hosts' lines with their span fields, found by those fields.
@Suite(.serialized, .enabled(if: JournaldFleetSupport.skipReason == nil, Comment(rawValue: JournaldFleetSupport.skipReason ?? "")))
struct JournaldFleetTests {
    @Test func twoHostsLinesAreFoundInTheCentralJournalBySpanFields() throws {
        let workspace = try Workspace()
        let central = workspace.path("central")
        let recipe = Repository.root.appendingPathComponent("docs/recipes/journald-fleet.sh").path
        let status = try workspace.runTool("/bin/bash", [recipe, SpanlogBinary.url.path, central])
        try #require(status == 0, "the recipe failed with status \(status)")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/journalctl")
        process.arguments = ["--directory", central, "-o", "json", "--no-pager", "SPAN_TAGS=checkout"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let entries = text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let lines = entries.filter { ($0["MESSAGE"] as? String)?.hasPrefix("charging card") == true }
        #expect(lines.count == 6, "\(entries.count) entries with SPAN_TAGS=checkout: \(text.prefix(2000))")
        for host in ["a", "b"] {
            let ofHost = lines.filter { $0["_HOSTNAME"] as? String == "fleet-\(host)" }
            #expect(ofHost.map { $0["SPAN_ARG_ORDER"] as? String ?? "" }.sorted() == ["1", "2", "3"], "fleet-\(host): \(ofHost)")
            for line in ofHost {
                let order = line["SPAN_ARG_ORDER"] as? String ?? "?"
                #expect(line["MESSAGE"] as? String == "charging card for order \(order) on \(host)")
                #expect((line["SPAN_UID"] as? String)?.isEmpty == false && line["SPAN_ID"] != nil, "\(line)")
            }
        }
    }
}
