/// A span's place in a distributed trace (W3C Trace Context, OpenTelemetry): the trace it
/// belongs to, its own span id, and its parent's. Fixed when the span is entered: from the
/// enter marker's `traceparent`, `trace_id` and `span_id` arguments when it has them
/// (docs/markers.md, "Traces across hosts"), else the enclosing span's trace, else a new trace.
/// Ids spanlog makes are derived from the session and the span's sequence, so a replay of a
/// capture gives the same ids as the live session did.
public struct TraceContext: Sendable, Equatable {
    /// The 16-byte trace id, as two big-endian halves.
    public var traceHigh: UInt64
    public var traceLow: UInt64
    public var spanID: UInt64
    /// 0 for the root of a trace.
    public var parentSpanID: UInt64

    public init(traceHigh: UInt64, traceLow: UInt64, spanID: UInt64, parentSpanID: UInt64) {
        self.traceHigh = traceHigh
        self.traceLow = traceLow
        self.spanID = spanID
        self.parentSpanID = parentSpanID
    }

    public static let none = TraceContext(traceHigh: 0, traceLow: 0, spanID: 0, parentSpanID: 0)

    /// 32 lowercase hex digits.
    public var traceIDHex: String { Self.hex(traceHigh) + Self.hex(traceLow) }
    /// 16 lowercase hex digits.
    public var spanIDHex: String { Self.hex(spanID) }
    public var parentSpanIDHex: String? { parentSpanID == 0 ? nil : Self.hex(parentSpanID) }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// What an enter marker declared about its span's trace.
    public struct Declared: Sendable, Equatable {
        public var traceHigh: UInt64
        public var traceLow: UInt64
        /// The remote parent (`traceparent`'s parent id); nil for `trace_id` alone.
        public var remoteParent: UInt64?
        /// The span's own id (`span_id`), which the program passes on in its own requests.
        public var spanID: UInt64?
    }

    /// Why an enter marker's trace arguments were not taken.
    public struct DeclarationError: Error, Sendable, Equatable {
        public var message: String
    }

    /// The names of the arguments that declare a trace context.
    public static let argumentNames = ["traceparent", "trace_id", "span_id"]

    /// Reads `traceparent`, `trace_id` and `span_id` from `args`: nil when none is there, an
    /// error naming the first that is malformed. `trace_id` must agree with the trace of
    /// `traceparent` when both are given; an all-zero id is malformed, as W3C says.
    public static func declared(in args: MarkerArgs) -> Result<Declared, DeclarationError>? {
        guard args.mayDeclareTraceContext else { return nil }
        let parent = args.value(named: "traceparent")
        let traceID = args.value(named: "trace_id")
        let spanID = args.value(named: "span_id")
        if parent == nil && traceID == nil && spanID == nil { return nil }
        var declared = Declared(traceHigh: 0, traceLow: 0, remoteParent: nil, spanID: nil)
        if let parent {
            // version "-" trace-id "-" parent-id "-" flags: 00-<32 hex>-<16 hex>-<2 hex>
            let parts = parent.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff", Self.hexValue(parts[0]) != nil,
                  let trace = Self.traceID(parts[1]), let remote = Self.hexValue(parts[2]), parts[2].count == 16, remote != 0,
                  parts[3].count == 2, Self.hexValue(parts[3]) != nil, parts[0] != "00" || parts.count == 4 else {
                return .failure(DeclarationError(message: "traceparent '\(parent)' is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>, lowercase, ids not all zero)"))
            }
            (declared.traceHigh, declared.traceLow) = trace
            declared.remoteParent = remote
        }
        if let traceID {
            guard let trace = Self.traceID(Substring(traceID)) else {
                return .failure(DeclarationError(message: "trace_id '\(traceID)' is not 32 lowercase hex digits (not all zero)"))
            }
            if declared.remoteParent != nil && (trace.high != declared.traceHigh || trace.low != declared.traceLow) {
                return .failure(DeclarationError(message: "trace_id '\(traceID)' differs from the trace of traceparent '\(parent ?? "")'"))
            }
            (declared.traceHigh, declared.traceLow) = trace
        }
        if let spanID {
            guard spanID.count == 16, let value = Self.hexValue(Substring(spanID)), value != 0 else {
                return .failure(DeclarationError(message: "span_id '\(spanID)' is not 16 lowercase hex digits (not all zero)"))
            }
            declared.spanID = value
        }
        return .success(declared)
    }

    private static func traceID(_ text: Substring) -> (high: UInt64, low: UInt64)? {
        guard text.count == 32, let high = hexValue(text.prefix(16)), let low = hexValue(text.suffix(16)),
              high != 0 || low != 0 else { return nil }
        return (high, low)
    }

    private static func hexValue(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.count <= 16,
              text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return UInt64(text, radix: 16)
    }
}

/// Makes the trace ids spanlog assigns: a 64-bit mix of the session's salt and a span's
/// sequence (SplitMix64's finalizer), never zero.
public struct TraceIDGenerator: Sendable {
    public let salt: UInt64

    /// The session number and its clock offset (both in a capture's header): different for
    /// every session, the same for its replays.
    public init(session: UInt32, monotonicToWallOffset: Int64) {
        salt = Self.mix(UInt64(session) << 32 ^ UInt64(bitPattern: monotonicToWallOffset) ^ 0x5350_414E_4C4F_4721)
    }

    public func spanID(sequence: UInt64) -> UInt64 {
        let value = Self.mix(salt ^ sequence &* 0x9E37_79B9_7F4A_7C15)
        return value == 0 ? 1 : value
    }

    public func traceID(rootSequence: UInt64) -> (high: UInt64, low: UInt64) {
        let high = Self.mix(salt &+ rootSequence &* 0xD1B5_4A32_D192_ED03)
        let low = Self.mix(high ^ salt ^ 0x2545_F491_4F6C_DD1D)
        return (high, low == 0 && high == 0 ? 1 : low)
    }

    /// The context of a span entered with `declared` arguments (or none) inside `parent`.
    public func context(sequence: UInt64, declared: TraceContext.Declared?, parent: TraceContext?) -> TraceContext {
        let spanID = declared?.spanID ?? spanID(sequence: sequence)
        // `span_id` alone names the span, not a trace: it stays in its parent's or a new one.
        if let declared, declared.traceHigh != 0 || declared.traceLow != 0 {
            // A declared trace: its remote parent, or the enclosing span when that is in the
            // same trace, else the root of that trace here.
            let localParent = parent.flatMap {
                $0.traceHigh == declared.traceHigh && $0.traceLow == declared.traceLow ? $0.spanID : nil
            }
            return TraceContext(traceHigh: declared.traceHigh, traceLow: declared.traceLow, spanID: spanID,
                                parentSpanID: declared.remoteParent ?? localParent ?? 0)
        }
        if let parent {
            return TraceContext(traceHigh: parent.traceHigh, traceLow: parent.traceLow, spanID: spanID,
                                parentSpanID: parent.spanID)
        }
        let trace = traceID(rootSequence: sequence)
        return TraceContext(traceHigh: trace.high, traceLow: trace.low, spanID: spanID, parentSpanID: 0)
    }

    @inline(__always) static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
