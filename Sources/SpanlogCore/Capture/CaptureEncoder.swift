/// Serialises a header and events. Pure: the caller writes the bytes where it wants.
public enum CaptureEncoder {
    public static func encode(_ header: CaptureHeader) -> [UInt8] {
        var body = ByteWriter()
        body.int64(header.monotonicToWallOffset)
        body.uint32(header.session)
        body.uint64(header.startMonotonic)
        body.string16(header.host)
        if !header.collector.isEmpty {
            body.uint16(UInt16(min(header.collector.count, Int(UInt16.max))))
            for field in header.collector.prefix(Int(UInt16.max)) {
                body.string16(field.name)
                body.string16(field.value)
            }
        }
        var out = ByteWriter()
        out.bytes.append(contentsOf: CaptureHeader.magic)
        out.uint16(CaptureHeader.version)
        out.uint16(0)
        out.uint32(UInt32(body.bytes.count))
        out.bytes.append(contentsOf: body.bytes)
        return out.bytes
    }

    /// Appends the end record: written last, by a recorder that stopped cleanly, so that a
    /// capture cut short (a killed recorder, a truncated copy) can be told from a whole one.
    public static func encodeEnd(events: Int, lostEvents: UInt64, into out: inout [UInt8]) {
        var record = ByteWriter()
        record.uint32(1 + 16)
        record.uint8(CaptureEventType.end.rawValue)
        record.uint64(UInt64(events))
        record.uint64(lostEvents)
        out.append(contentsOf: record.bytes)
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
        case .skipped(let timestamp, let counts):
            type = .skipped
            payload.uint64(timestamp)
            payload.uint64(counts.treePipeWrites)
            payload.uint64(counts.treePipeBytes)
            payload.uint64(counts.otherFileWrites)
            payload.uint64(counts.otherFileBytes)
        case .threadIO(let timestamp, let tid, let io):
            type = .threadIO
            payload.uint64(timestamp)
            payload.int32(tid)
            payload.uint64(io.readBytes)
            payload.uint64(io.writtenBytes)
            payload.uint64(io.reads)
            payload.uint64(io.writes)
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
