/// The capture file: raw events exactly as the engine received them, so that a replay gives
/// the records the live run gave. Layout (little-endian), documented in docs/capture-format.md:
///
///     "SPANLOGC"  u16 version  u16 reserved  u32 header-length  header
///     then events: u32 length (type byte + payload)  u8 type  payload
public struct CaptureHeader: Sendable, Equatable {
    public static let magic: [UInt8] = Array("SPANLOGC".utf8)
    public static let version: UInt16 = 4
    /// Versions this spanlog reads: 1 lacks the container-change event, 2 the end record, 3 the
    /// skipped-output counts and thread I/O; they are otherwise the same.
    public static let readableVersions: ClosedRange<UInt16> = 1...4

    /// Added to monotonic timestamps to get wall-clock nanoseconds since the epoch.
    public var monotonicToWallOffset: Int64
    public var session: UInt32
    /// Monotonic time at which recording started.
    public var startMonotonic: UInt64
    public var host: String
    /// How the live source captured (the kernel program's attach mode and build), for the
    /// replay's stats record to say what the live one said. Appended to the header after the
    /// host; a capture without it (or a reader before it, which stops at the host) has none.
    public var collector: [Field] = []

    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(monotonicToWallOffset: Int64, session: UInt32, startMonotonic: UInt64, host: String,
                collector: [Field] = []) {
        self.monotonicToWallOffset = monotonicToWallOffset
        self.session = session
        self.startMonotonic = startMonotonic
        self.host = host
        self.collector = collector
    }
}

enum CaptureEventType: UInt8 {
    case write = 1, processStart = 2, exec = 3, exit = 4, lost = 5, stop = 6, containerChanged = 7
    /// The last record of a capture closed cleanly (version 3): how many events it holds.
    case end = 8
    /// Output the capture rules left out (version 4).
    case skipped = 9
    /// A thread's I/O counters, `--span-io` (version 4).
    case threadIO = 10
}

enum CaptureTarget: UInt8 {
    case devNull = 0, stdout = 1, stderr = 2, file = 3
}
