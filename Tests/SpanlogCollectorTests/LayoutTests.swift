import CSpanlogBPF
import Testing

/// The event layout is shared with the BPF program through bpf/spanlog.h; these sizes are
/// what the C compiler gives both sides, pinned so a change to the header is noticed.
@Suite struct EventLayoutTests {
    @Test func eventStructsHaveTheirDocumentedSizes() {
        #expect(MemoryLayout<sl_event_header>.size == 32)
        #expect(MemoryLayout<sl_write_event>.size == 72)
        #expect(MemoryLayout<sl_process_event>.size == 64)
        #expect(MemoryLayout<sl_config>.size == 32 + 72)
        #expect(MemoryLayout<sl_path_event>.size == 32 + 24 + 32 + 32 * 256)
        #expect(MemoryLayout<sl_cgroups_event>.size == 32 + 2 * 8 + 2 * 8 * 128)
    }
}
