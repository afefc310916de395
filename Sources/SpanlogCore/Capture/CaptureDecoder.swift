/// Reads a capture incrementally: append chunks as they are read, take events as they become
/// whole. Everything before damage is returned; the damage is reported with its byte offset.
public struct CaptureDecoder {
    /// A single event larger than this is taken as corruption rather than allocated.
    public static let maxEventLength = 64 * 1024 * 1024

    public private(set) var header: CaptureHeader?
    private var version: UInt16 = 0
    /// Events decoded so far, and whether the end record closed the capture.
    public private(set) var events = 0
    public private(set) var ended = false
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
        if ended {
            throw CaptureError(offset: eventStart, reason: "an event follows the end record")
        }
        if type == .end {
            guard length == 17, let count = payload.uint64(), payload.uint64() != nil else {
                throw CaptureError(offset: eventStart, reason: "malformed end record")
            }
            guard count == UInt64(events) else {
                throw CaptureError(offset: eventStart, reason: "the end record counts \(count) events, the capture holds \(events)")
            }
            ended = true
            position = end
            return try next()  // nothing may follow
        }
        guard let event = Self.decode(type, &payload), payload.index == end || type == .write else {
            throw CaptureError(offset: eventStart, reason: "malformed \(type) event of \(length) bytes")
        }
        position = end
        events += 1
        return event
    }

    /// Call at end of input: leftover bytes mean the capture was cut short.
    public func finish() throws(CaptureError) {
        if header == nil {
            let present = pending[position...].prefix(CaptureHeader.magic.count)
            if available == 0 || !CaptureHeader.magic.starts(with: present) {
                throw CaptureError.notACapture(startingWith: pending[position...])
            }
            throw CaptureError(offset: offset, reason: "file ends inside the capture header")
        }
        if available > 0 {
            throw CaptureError(offset: offset, reason: "file ends inside an event (\(available) bytes left over)")
        }
        if version >= 3 && !ended {
            throw CaptureError(offset: offset, reason: "the capture ends early, after \(events) events: it has no end record (the recorder was killed, or the file was cut)")
        }
    }

    private mutating func readHeader() throws(CaptureError) -> Bool {
        guard available >= 16 else { return false }
        var reader = ByteReader(bytes: pending, index: position)
        let magic = reader.take(8)!
        guard Array(magic) == CaptureHeader.magic else {
            throw CaptureError.notACapture(startingWith: pending[position...])
        }
        let version = reader.uint16()!
        self.version = version
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
        var collector: [CaptureHeader.Field] = []
        if let count = body.uint16() {
            for _ in 0..<count {
                guard let name = body.string16(), let value = body.string16() else {
                    throw CaptureError(offset: 16, reason: "header is malformed (its collector fields are cut short)")
                }
                collector.append(CaptureHeader.Field(name: name, value: value))
            }
        }
        header = CaptureHeader(monotonicToWallOffset: offset, session: session, startMonotonic: start, host: host,
                               collector: collector)
        position += 16 + bodyLength
        return true
    }

    private static func decode(_ type: CaptureEventType, _ reader: inout ByteReader) -> RawEvent? {
        switch type {
        case .end:
            return nil  // read by next() itself
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
        case .skipped:
            guard let timestamp = reader.uint64(), let pipeWrites = reader.uint64(), let pipeBytes = reader.uint64(),
                  let fileWrites = reader.uint64(), let fileBytes = reader.uint64() else { return nil }
            return .skipped(timestamp: timestamp, SkippedOutput(treePipeWrites: pipeWrites, treePipeBytes: pipeBytes,
                                                                otherFileWrites: fileWrites, otherFileBytes: fileBytes))
        case .threadIO:
            guard let timestamp = reader.uint64(), let tid = reader.int32(), let readBytes = reader.uint64(),
                  let writtenBytes = reader.uint64(), let reads = reader.uint64(), let writes = reader.uint64() else {
                return nil
            }
            return .threadIO(timestamp: timestamp, tid: tid, ThreadIO(readBytes: readBytes, writtenBytes: writtenBytes,
                                                                      reads: reads, writes: writes))
        case .stop:
            guard let timestamp = reader.uint64() else { return nil }
            return .stop(timestamp: timestamp)
        }
    }
}
