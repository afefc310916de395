/// The capture file: raw events exactly as the engine received them, so that a replay gives
/// the records the live run gave. Layout (little-endian), documented in docs/capture-format.md:
///
///     "SPANLOGC"  u16 version  u16 reserved  u32 header-length  header
///     then events: u32 length (type byte + payload)  u8 type  payload
public struct CaptureHeader: Sendable, Equatable {
    public static let magic: [UInt8] = Array("SPANLOGC".utf8)
    public static let version: UInt16 = 2
    /// Versions this spanlog reads: 1 lacks the container-change event, and is otherwise the same.
    public static let readableVersions: ClosedRange<UInt16> = 1...2

    /// Added to monotonic timestamps to get wall-clock nanoseconds since the epoch.
    public var monotonicToWallOffset: Int64
    public var session: UInt32
    /// Monotonic time at which recording started.
    public var startMonotonic: UInt64
    public var host: String

    public init(monotonicToWallOffset: Int64, session: UInt32, startMonotonic: UInt64, host: String) {
        self.monotonicToWallOffset = monotonicToWallOffset
        self.session = session
        self.startMonotonic = startMonotonic
        self.host = host
    }
}

/// Why a capture could not be read, and the byte offset where reading stopped.
public struct CaptureError: Error, Equatable, CustomStringConvertible {
    public var offset: UInt64
    public var reason: String

    public var description: String { "capture is damaged at byte offset \(offset): \(reason)" }
}

enum CaptureEventType: UInt8 {
    case write = 1, processStart = 2, exec = 3, exit = 4, lost = 5, stop = 6, containerChanged = 7
}

enum CaptureTarget: UInt8 {
    case devNull = 0, stdout = 1, stderr = 2, file = 3
}

/// Serialises a header and events. Pure: the caller writes the bytes where it wants.
public enum CaptureEncoder {
    public static func encode(_ header: CaptureHeader) -> [UInt8] {
        var body = ByteWriter()
        body.int64(header.monotonicToWallOffset)
        body.uint32(header.session)
        body.uint64(header.startMonotonic)
        body.string16(header.host)
        var out = ByteWriter()
        out.bytes.append(contentsOf: CaptureHeader.magic)
        out.uint16(CaptureHeader.version)
        out.uint16(0)
        out.uint32(UInt32(body.bytes.count))
        out.bytes.append(contentsOf: body.bytes)
        return out.bytes
    }

    /// Appends one framed event to `out`.
    public static func encode(_ event: RawEvent, into out: inout [UInt8]) {
        var payload = ByteWriter()
        swap(&payload.bytes, &out)
        let frameStart = payload.bytes.count
        payload.uint32(0)  // length, patched below
        payload.uint8(0)   // type, patched below
        let type: CaptureEventType
        switch event {
        case .write(let write):
            type = .write
            payload.uint64(write.timestamp)
            payload.int32(write.pid)
            payload.int32(write.tid)
            payload.int32(write.fd)
            switch write.target {
            case .devNull: payload.uint8(CaptureTarget.devNull.rawValue)
            case .stdout: payload.uint8(CaptureTarget.stdout.rawValue)
            case .stderr: payload.uint8(CaptureTarget.stderr.rawValue)
            case .file(let device, let inode):
                payload.uint8(CaptureTarget.file.rawValue)
                payload.uint64(device)
                payload.uint64(inode)
                payload.string16(write.path ?? "")
            }
            payload.uint32(UInt32(clamping: write.writtenLength))
            payload.bytes.append(contentsOf: write.bytes)
        case .processStart(let start):
            type = .processStart
            payload.uint64(start.timestamp)
            payload.int32(start.pid)
            payload.int32(start.parentPid)
            payload.int32(start.creatorTid ?? -1)
            payload.string16(start.comm)
            payload.uint8(start.container == nil ? 0 : 1)
            payload.string16(start.container ?? "")
        case .exec(let timestamp, let pid, let comm):
            type = .exec
            payload.uint64(timestamp)
            payload.int32(pid)
            payload.string16(comm)
        case .containerChanged(let timestamp, let pid, let container):
            type = .containerChanged
            payload.uint64(timestamp)
            payload.int32(pid)
            payload.uint8(container == nil ? 0 : 1)
            payload.string16(container ?? "")
        case .exit(let timestamp, let pid, let tid, let processExited):
            type = .exit
            payload.uint64(timestamp)
            payload.int32(pid)
            payload.int32(tid)
            payload.uint8(processExited ? 1 : 0)
        case .lost(let timestamp, let count):
            type = .lost
            payload.uint64(timestamp)
            payload.uint64(count)
        case .stop(let timestamp):
            type = .stop
            payload.uint64(timestamp)
        }
        let length = UInt32(payload.bytes.count - frameStart - 4)
        for shift in 0..<4 { payload.bytes[frameStart + shift] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(shift))) }
        payload.bytes[frameStart + 4] = type.rawValue
        swap(&payload.bytes, &out)
    }
}

/// Reads a capture incrementally: append chunks as they are read, take events as they become
/// whole. Everything before damage is returned; the damage is reported with its byte offset.
public struct CaptureDecoder {
    /// A single event larger than this is taken as corruption rather than allocated.
    public static let maxEventLength = 64 * 1024 * 1024

    public private(set) var header: CaptureHeader?
    private var pending: [UInt8] = []
    private var position = 0
    /// File offset of `pending[0]`.
    private var pendingOffset: UInt64 = 0

    public init() {}

    public mutating func append(_ chunk: some Collection<UInt8>) {
        if position > 0, position >= pending.count / 2 {
            pending.removeFirst(position)
            pendingOffset += UInt64(position)
            position = 0
        }
        pending.append(contentsOf: chunk)
    }

    private var offset: UInt64 { pendingOffset + UInt64(position) }
    private var available: Int { pending.count - position }

    /// The next whole event, or nil when more bytes are needed.
    public mutating func next() throws(CaptureError) -> RawEvent? {
        if header == nil {
            guard try readHeader() else { return nil }
        }
        guard available >= 5 else { return nil }
        var reader = ByteReader(bytes: pending, index: position)
        let length = Int(reader.uint32()!)
        guard length >= 1, length <= Self.maxEventLength else {
            throw CaptureError(offset: offset, reason: "event length \(length) is out of range")
        }
        guard available >= 4 + length else { return nil }
        let eventStart = offset
        let typeByte = reader.uint8()!
        let end = position + 4 + length
        var payload = ByteReader(bytes: pending, index: position + 5, end: end)
        guard let type = CaptureEventType(rawValue: typeByte) else {
            throw CaptureError(offset: eventStart, reason: "unknown event type \(typeByte)")
        }
        guard let event = Self.decode(type, &payload), payload.index == end || type == .write else {
            throw CaptureError(offset: eventStart, reason: "malformed \(type) event of \(length) bytes")
        }
        position = end
        return event
    }

    /// Call at end of input: leftover bytes mean the capture was cut short.
    public func finish() throws(CaptureError) {
        if header == nil {
            let present = pending[position...].prefix(CaptureHeader.magic.count)
            if available == 0 || !CaptureHeader.magic.starts(with: present) {
                throw CaptureError(offset: 0, reason: "not a spanlog capture (bad magic)")
            }
            throw CaptureError(offset: offset, reason: "file ends inside the capture header")
        }
        if available > 0 {
            throw CaptureError(offset: offset, reason: "file ends inside an event (\(available) bytes left over)")
        }
    }

    private mutating func readHeader() throws(CaptureError) -> Bool {
        guard available >= 16 else { return false }
        var reader = ByteReader(bytes: pending, index: position)
        let magic = reader.take(8)!
        guard Array(magic) == CaptureHeader.magic else {
            throw CaptureError(offset: 0, reason: "not a spanlog capture (bad magic)")
        }
        let version = reader.uint16()!
        guard CaptureHeader.readableVersions.contains(version) else {
            let readable = CaptureHeader.readableVersions
            throw CaptureError(offset: 8, reason: "capture version \(version) is not supported (this spanlog reads versions \(readable.lowerBound) to \(readable.upperBound))")
        }
        _ = reader.uint16()
        let bodyLength = Int(reader.uint32()!)
        guard bodyLength <= 65_536 else { throw CaptureError(offset: 12, reason: "header length \(bodyLength) is out of range") }
        guard available >= 16 + bodyLength else { return false }
        var body = ByteReader(bytes: pending, index: position + 16, end: position + 16 + bodyLength)
        guard let offset = body.int64(), let session = body.uint32(), let start = body.uint64(),
              let host = body.string16() else {
            throw CaptureError(offset: 16, reason: "header is malformed")
        }
        header = CaptureHeader(monotonicToWallOffset: offset, session: session, startMonotonic: start, host: host)
        position += 16 + bodyLength
        return true
    }

    private static func decode(_ type: CaptureEventType, _ reader: inout ByteReader) -> RawEvent? {
        switch type {
        case .write:
            guard let timestamp = reader.uint64(), let pid = reader.int32(), let tid = reader.int32(),
                  let fd = reader.int32(), let targetByte = reader.uint8(),
                  let targetKind = CaptureTarget(rawValue: targetByte) else { return nil }
            var target: WriteTarget
            var path: String?
            switch targetKind {
            case .devNull: target = .devNull
            case .stdout: target = .stdout
            case .stderr: target = .stderr
            case .file:
                guard let device = reader.uint64(), let inode = reader.uint64(), let filePath = reader.string16() else {
                    return nil
                }
                target = .file(device: device, inode: inode)
                path = filePath
            }
            guard let written = reader.uint32() else { return nil }
            let bytes = reader.rest()
            return .write(WriteEvent(timestamp: timestamp, pid: pid, tid: tid, fd: fd, target: target, path: path,
                                     bytes: bytes, writtenLength: Int(written)))
        case .processStart:
            guard let timestamp = reader.uint64(), let pid = reader.int32(), let parent = reader.int32(),
                  let creator = reader.int32(), let comm = reader.string16(), let hasContainer = reader.uint8(),
                  let container = reader.string16() else { return nil }
            return .processStart(ProcessStart(timestamp: timestamp, pid: pid, parentPid: parent,
                                              creatorTid: creator < 0 ? nil : creator, comm: comm,
                                              container: hasContainer == 1 ? container : nil))
        case .exec:
            guard let timestamp = reader.uint64(), let pid = reader.int32(), let comm = reader.string16() else { return nil }
            return .exec(timestamp: timestamp, pid: pid, comm: comm)
        case .containerChanged:
            guard let timestamp = reader.uint64(), let pid = reader.int32(), let hasContainer = reader.uint8(),
                  let container = reader.string16() else { return nil }
            return .containerChanged(timestamp: timestamp, pid: pid, container: hasContainer == 1 ? container : nil)
        case .exit:
            guard let timestamp = reader.uint64(), let pid = reader.int32(), let tid = reader.int32(),
                  let flag = reader.uint8() else { return nil }
            return .exit(timestamp: timestamp, pid: pid, tid: tid, processExited: flag == 1)
        case .lost:
            guard let timestamp = reader.uint64(), let count = reader.uint64() else { return nil }
            return .lost(timestamp: timestamp, count: count)
        case .stop:
            guard let timestamp = reader.uint64() else { return nil }
            return .stop(timestamp: timestamp)
        }
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func uint8(_ value: UInt8) { bytes.append(value) }
    mutating func uint16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func uint32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func uint64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func int32(_ value: Int32) { uint32(UInt32(bitPattern: value)) }
    mutating func int64(_ value: Int64) { uint64(UInt64(bitPattern: value)) }
    /// A string of at most 65,535 UTF-8 bytes (longer ones are cut), length first.
    mutating func string16(_ value: String) {
        let utf8 = Array(value.utf8.prefix(Int(UInt16.max)))
        uint16(UInt16(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}

struct ByteReader {
    let bytes: [UInt8]
    var index: Int
    let end: Int

    init(bytes: [UInt8], index: Int, end: Int? = nil) {
        self.bytes = bytes
        self.index = index
        self.end = end ?? bytes.count
    }

    mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, end - index >= count else { return nil }
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    /// The remaining bytes, sharing the reader's storage (no copy).
    mutating func rest() -> ArraySlice<UInt8> {
        defer { index = end }
        return bytes[index..<end]
    }

    mutating func uint8() -> UInt8? { take(1)?.first }

    private mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
        guard let slice = take(MemoryLayout<T>.size) else { return nil }
        var value: T = 0
        for (shift, byte) in slice.enumerated() { value |= T(truncatingIfNeeded: byte) << (8 * shift) }
        return value
    }

    mutating func uint16() -> UInt16? { integer(UInt16.self) }
    mutating func uint32() -> UInt32? { integer(UInt32.self) }
    mutating func uint64() -> UInt64? { integer(UInt64.self) }
    mutating func int32() -> Int32? { integer(Int32.self) }
    mutating func int64() -> Int64? { integer(Int64.self) }

    mutating func string16() -> String? {
        guard let length = uint16(), let slice = take(Int(length)) else { return nil }
        return String(decoding: slice, as: UTF8.self)
    }
}
