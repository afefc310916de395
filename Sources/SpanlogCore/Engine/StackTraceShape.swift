/// The shapes of stack traces that runtimes print: which line starts one, and which lines
/// continue it. Pure byte tests on the first bytes of a line; no regular expressions, since the
/// first-line test runs for every line.
enum StackTraceShape {
    enum Kind {
        /// A line at error level or worse: a trace of any kind may follow it.
        case unknown
        case python
        case java
        case go
    }

    /// Where a Python traceback is: its header, its indented frames, or past the exception line
    /// (where only a chained traceback may follow).
    enum Phase {
        case header
        case frames
        case ended
    }

    /// The level of a line that starts a trace by itself: Python's traceback header, Java's
    /// exception line, Go's `panic:` and `fatal error:`.
    static func firstLineLevel(_ head: UnsafeBufferPointer<UInt8>) -> LogLevel? {
        kind(ofFirstLine: head).map { $0 == .go ? .critical : .error }
    }

    static func kind(ofFirstLine head: UnsafeBufferPointer<UInt8>) -> Kind? {
        guard let first = head.first else { return nil }
        switch first {
        case 0x54 where head.starts(with: pythonHeader): return .python
        case 0x70 where head.starts(with: goPanic): return .go
        case 0x66 where head.starts(with: goFatal): return .go
        case 0x45 where head.starts(with: javaUncaught): return .java
        default: return isJavaExceptionLine(head) ? .java : nil
        }
    }

    /// Whether `line` continues a trace of `kind` in `phase`; updates both when it does.
    static func continues(_ line: UnsafeBufferPointer<UInt8>, kind: inout Kind, phase: inout Phase) -> Bool {
        switch kind {
        case .unknown:
            if line.starts(with: pythonHeader) {
                kind = .python
                phase = .header
                return true
            }
            if isJavaFrame(line) || line.starts(with: javaCause) {
                kind = .java
                return true
            }
            if line.starts(with: goroutine) {
                kind = .go
                return true
            }
            return false
        case .python:
            return continuesPython(line, phase: &phase)
        case .java:
            return isJavaFrame(line) || line.starts(with: javaCause) || (isIndented(line) && !line.isEmpty)
        case .go:
            return continuesGo(line)
        }
    }

    private static func continuesPython(_ line: UnsafeBufferPointer<UInt8>, phase: inout Phase) -> Bool {
        if line.starts(with: pythonHeader) {
            phase = .header
            return true
        }
        switch phase {
        case .header, .frames:
            if isIndented(line) {
                phase = .frames
                return true
            }
            // The exception line (`ValueError: bad`) ends the frames.
            guard phase == .frames, !line.isEmpty else { return false }
            phase = .ended
            return true
        case .ended:
            // Chained exceptions: a blank line, the sentence that links them, a blank line, the
            // next traceback.
            return line.isEmpty || line.starts(with: pythonDuringHandling) || line.starts(with: pythonDirectCause)
        }
    }

    private static func continuesGo(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = line.first else { return true } // the blank lines between sections
        if first == 0x09 || first == 0x20 || first == 0x5B { return true } // file:line, [signal …]
        if line.starts(with: goroutine) || line.starts(with: goCreatedBy) || line.starts(with: goPanic)
            || line.starts(with: goExitStatus) {
            return true
        }
        return isGoFrame(line)
    }

    /// A frame: `main.main()`, `main.handler({0x4b3a1e, 0x5}, …)`, `panic({0x…})`.
    private static func isGoFrame(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard line.last == 0x29, let open = line.firstIndex(of: 0x28) else { return false }
        return !line[..<open].contains(0x20)
    }

    private static func isIndented(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.first == 0x20 || line.first == 0x09
    }

    /// `\tat com.example.Main.run(Main.java:12)`, `    at …`, `\t... 3 more`, `\tSuppressed: …`.
    private static func isJavaFrame(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < line.count, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        guard index > 0 else { return false }
        let rest = UnsafeBufferPointer(rebasing: line[index...])
        return rest.starts(with: javaAt) || rest.starts(with: javaMore) || rest.starts(with: javaSuppressed)
            || rest.starts(with: javaCause)
    }

    /// `java.lang.IllegalStateException: boom`, `com.example.BadThing`: a dotted class name whose
    /// last part ends in Exception, Error or Throwable, alone or followed by `:`.
    private static func isJavaExceptionLine(_ head: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0, dots = 0, partStart = 0
        while index < head.count {
            let byte = head[index]
            if byte == 0x2E {
                dots += 1
                partStart = index + 1
            } else if byte == 0x3A {
                break
            } else if !(isIdentifierByte(byte)) {
                return false
            }
            index += 1
        }
        guard dots > 0, partStart < index else { return false }
        let name = UnsafeBufferPointer(rebasing: head[partStart..<index])
        return javaSuffixes.contains { name.count >= $0.count && name.reversed().starts(with: $0.reversed()) }
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x5F || byte == 0x24
    }

    private static let pythonHeader = Array("Traceback (most recent call last):".utf8)
    private static let pythonDuringHandling = Array("During handling of the above exception".utf8)
    private static let pythonDirectCause = Array("The above exception was the direct cause".utf8)
    private static let javaUncaught = Array("Exception in thread \"".utf8)
    private static let javaAt = Array("at ".utf8)
    private static let javaMore = Array("... ".utf8)
    private static let javaSuppressed = Array("Suppressed: ".utf8)
    private static let javaCause = Array("Caused by: ".utf8)
    private static let javaSuffixes = ["Exception", "Error", "Throwable"].map { Array($0.utf8) }
    private static let goPanic = Array("panic: ".utf8)
    private static let goFatal = Array("fatal error: ".utf8)
    private static let goroutine = Array("goroutine ".utf8)
    private static let goCreatedBy = Array("created by ".utf8)
    private static let goExitStatus = Array("exit status ".utf8)
}
