/// A neighbour in one of the tracker's lists, held without a reference count: the age queue
/// keeps every open instance alive, and an instance leaves its lists when it closes.
typealias SpanLink = Unmanaged<SpanInstance>

/// One open (or just closed) span. A class because lines, children and the tracker's indexes
/// all refer to the same instance while it is open. Kept small — a million of them may be open —
/// and linked into two lists (its key's and its owner's), so that closing any one of them,
/// the oldest included, is constant time.
final class SpanInstance {
    let sequence: UInt64
    let id: Int64
    let start: UInt64
    let tags: [String]
    let enterArgs: MarkerArgs
    let parent: SpanInstance?
    /// The writing process's command and container when the span was entered: the span record
    /// shows them even after the process exited (a `pp` span written by `/bin/echo`).
    let process: ProcessIdentity?
    /// Neighbours in the list of open instances with the same key, and in the list of the
    /// owner's open instances, both in opening order. Unowned: the tracker's age queue keeps
    /// every open instance alive, and an instance leaves both lists when it closes.
    var previousWithKey: SpanLink?
    var nextWithKey: SpanLink?
    var previousOfOwner: SpanLink?
    var nextOfOwner: SpanLink?
    let pid: Int32
    let tid: Int32
    /// Number of enclosing spans (walking up would cost the depth, and unclosed spans nest deep).
    let depth: Int32
    /// Of the tag list, for its key (four bytes: the object stays in its malloc size class).
    let tagsHash: UInt32
    /// Lines and their bytes per stream (saturating at 4 GiB): four bytes each keep a million
    /// open spans small.
    var stdoutLines: UInt32 = 0, stderrLines: UInt32 = 0, fileLines: UInt32 = 0
    var stdoutBytes: UInt32 = 0, stderrBytes: UInt32 = 0, fileBytes: UInt32 = 0
    var owner: SpanOwner?
    /// Numeric and global spans can be closed by anyone, so they outlive their writer.
    let survivesOwner: Bool
    var isOpen = true

    /// Its trace, span and parent span ids (fixed at enter).
    let trace: TraceContext

    init(sequence: UInt64, id: Int64, tags: [String], tagsHash: UInt32, enterArgs: MarkerArgs,
         survivesOwner: Bool, parent: SpanInstance?, process: ProcessIdentity?, pid: Int32, tid: Int32, start: UInt64,
         owner: SpanOwner?, trace: TraceContext) {
        self.trace = trace
        self.sequence = sequence
        self.process = process
        self.depth = parent.map { $0.depth + 1 } ?? 0
        self.id = id
        self.tags = tags
        self.tagsHash = tagsHash
        self.enterArgs = enterArgs
        self.survivesOwner = survivesOwner
        self.parent = parent
        self.pid = pid
        self.tid = tid
        self.start = start
        self.owner = owner
    }

    var key: SpanKey { SpanKey(id: id, tags: tags, tagsHash: tagsHash) }

    var lines: Int { Int(stdoutLines) + Int(stderrLines) + Int(fileLines) }

    func count(lineOf bytes: Int, on stream: LogStream) {
        let size = UInt32(clamping: bytes)
        func add(_ total: inout UInt32) {
            let (sum, overflow) = total.addingReportingOverflow(size)
            total = overflow ? .max : sum
        }
        switch stream {
        case .stdout:
            stdoutLines &+= 1
            add(&stdoutBytes)
        case .stderr:
            stderrLines &+= 1
            add(&stderrBytes)
        case .file:
            fileLines &+= 1
            add(&fileBytes)
        }
    }

    var streamCounts: SpanIO {
        var io = SpanIO()
        io.stdoutLines = Int(stdoutLines)
        io.stdoutBytes = Int(stdoutBytes)
        io.stderrLines = Int(stderrLines)
        io.stderrBytes = Int(stderrBytes)
        io.fileLines = Int(fileLines)
        io.fileBytes = Int(fileBytes)
        return io
    }

    /// What records carry of the span; built when asked rather than stored twice. The session
    /// is the tracker's, the same for every instance.
    func summary(session: UInt32) -> SpanSummary {
        SpanSummary(uid: SpanUID(session: session, sequence: sequence), id: id, tags: tags,
                    parent: parent.map { SpanUID(session: session, sequence: $0.sequence) }, enterArgs: enterArgs,
                    trace: trace)
    }
}
