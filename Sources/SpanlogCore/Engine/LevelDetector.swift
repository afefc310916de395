/// Guesses a line's severity from the shapes common loggers print. Looks at the first
/// `scanLimit` bytes only: levels sit at the start of a line, and this runs for every line.
public enum LevelDetector {
    static let scanLimit = 256

    public static func detect(_ line: ArraySlice<UInt8>) -> LogLevel? {
        line.prefix(scanLimit).withUnsafeBufferPointer { head in
            if let level = detect(head: head) { return level }
            // Colours (compilers on a terminal) hide the shapes: look again without them. They
            // start near the beginning, and most lines have no level: only a short look.
            guard UnsafeBufferPointer(rebasing: head.prefix(32)).contains(0x1B) else { return nil }
            return withoutColors(head).withUnsafeBufferPointer { detect(head: $0) }
        }
    }

    static func withoutColors(_ head: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var plain: [UInt8] = []
        plain.reserveCapacity(head.count)
        var index = 0
        while index < head.count {
            if head[index] == 0x1B, let end = ColorSequence.end(in: head, at: index) {
                index = end
                continue
            }
            plain.append(head[index])
            index += 1
        }
        return plain
    }

    static func detect(head: UnsafeBufferPointer<UInt8>) -> LogLevel? {
        guard let first = head.first else { return nil }

        // syslog priority prefix: <3>message
        if first == 0x3C, head.count >= 3, let digit = head.dropFirst().first, digit >= 0x30, digit <= 0x37,
           head[2] == 0x3E {
            return syslogLevel(Int(digit - 0x30))
        }
        // glog: E1128 15:21:09.123456 …
        if head.count >= 6, [0x49, 0x57, 0x45, 0x46].contains(first),
           head.dropFirst().prefix(4).allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
           head[5] == 0x20 {
            switch first {
            case 0x49: return .info
            case 0x57: return .warning
            case 0x45: return .error
            default: return .critical
            }
        }
        if first == 0x7B, let level = jsonLevel(head) { return level }
        if let level = StackTraceShape.firstLineLevel(head) { return level }
        if let level = toolLevel(head) { return level }
        return wordLevel(head)
    }

    /// Build tools: `make: *** [all] Error 2` (also `make[1]:`, `gmake:`), and diagnostics in the
    /// shape compilers, linkers and linters share: `x.c:3:5: error: …`, `gcc: fatal error: …`,
    /// `collect2: error: …`, `main.go:4:2: warning: …` — a first word without spaces, then
    /// `: error:`, `: fatal error:`, `: warning:` or `: note:`.
    static func toolLevel(_ head: UnsafeBufferPointer<UInt8>) -> LogLevel? {
        guard let space = head.firstIndex(of: 0x20), space >= 2, head[space - 1] == 0x3A else { return nil }
        let rest = UnsafeBufferPointer(rebasing: head[(space + 1)...])
        let program = UnsafeBufferPointer(rebasing: head[..<(space - 1)])
        if rest.starts(with: makeFailure), program.starts(with: make) || program.starts(with: gmake) { return .error }
        for (word, level) in diagnosticWords where rest.starts(with: word) { return level }
        return nil
    }

    private static let makeFailure = Array("*** ".utf8)
    private static let make = Array("make".utf8)
    private static let gmake = Array("gmake".utf8)
    private static let diagnosticWords: [([UInt8], LogLevel)] = [
        ("error:", LogLevel.error), ("fatal error:", .error), ("warning:", .warning), ("note:", .info),
    ].map { (Array($0.0.utf8), $0.1) }

    static func syslogLevel(_ priority: Int) -> LogLevel {
        switch priority {
        case 0, 1, 2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }

    /// Maps a level name (any case) to a level.
    public static func level(named name: UnsafeBufferPointer<UInt8>) -> LogLevel? {
        guard name.count >= 3, name.count <= 9 else { return nil }
        candidates: for (spelling, level) in levelNames where spelling.count == name.count {
            for (expected, byte) in zip(spelling, name) where expected != (byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte) {
                continue candidates
            }
            return level
        }
        return nil
    }

    private static let levelNames: [([UInt8], LogLevel)] = [
        ("info", LogLevel.info), ("error", .error), ("warn", .warning), ("warning", .warning), ("debug", .debug),
        ("trace", .trace), ("notice", .notice), ("err", .error), ("inf", .info), ("wrn", .warning),
        ("dbug", .debug), ("eror", .error), ("critical", .critical), ("crit", .critical), ("fatal", .critical),
        ("panic", .critical), ("alert", .critical), ("emerg", .critical), ("emergency", .critical),
        ("ftl", .critical),
    ].map { (Array($0.0.utf8), $0.1) }

    private static let levelKeys = [Array("\"level\"".utf8), Array("\"severity\"".utf8)]

    /// {"level":"error",…} or {"severity":"ERROR",…}
    static func jsonLevel(_ head: UnsafeBufferPointer<UInt8>) -> LogLevel? {
        for key in levelKeys {
            guard let keyStart = find(key, in: head) else { continue }
            var index = keyStart + key.count
            while index < head.count, head[index] == 0x20 || head[index] == 0x3A { index += 1 }
            guard index < head.count, head[index] == 0x22 else { continue }
            let valueStart = index + 1
            guard let valueEnd = head[valueStart...].firstIndex(of: 0x22) else { continue }
            if let level = level(named: UnsafeBufferPointer(rebasing: head[valueStart..<valueEnd])) { return level }
        }
        return nil
    }

    /// One pass over the words: logfmt `level=error` (possibly quoted), `[ERROR]`, `[error]`,
    /// `ERROR:`, ` ERROR ` and the same for the other level names; the first one found wins.
    static func wordLevel(_ head: UnsafeBufferPointer<UInt8>) -> LogLevel? {
        var index = 0
        while index < head.count {
            let byte = head[index]
            guard isLetter(byte) else { index += 1; continue }
            var end = index
            while end < head.count, isLetter(head[end]) { end += 1 }
            let before: UInt8? = index > 0 ? head[index - 1] : nil
            let after: UInt8? = end < head.count ? head[end] : nil
            if after == 0x3D, end - index == 5, before == nil || before == 0x20,
               UnsafeBufferPointer(rebasing: head[index..<end]).elementsEqual(logfmtKey) {
                var start = end + 1
                if start < head.count, head[start] == 0x22 { start += 1 }
                var valueEnd = start
                while valueEnd < head.count, isLetter(head[valueEnd]) { valueEnd += 1 }
                if let level = level(named: UnsafeBufferPointer(rebasing: head[start..<valueEnd])) { return level }
            }
            let bracketed = before == 0x5B && after == 0x5D
            let upper = UnsafeBufferPointer(rebasing: head[index..<end]).allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
            let wordShape = upper && (before == nil || before == 0x20 || before == 0x5B)
                && (after == nil || after == 0x3A || after == 0x20 || after == 0x5D)
            if bracketed || wordShape, let level = level(named: UnsafeBufferPointer(rebasing: head[index..<end])) {
                return level
            }
            index = end
        }
        return nil
    }

    private static let logfmtKey = Array("level".utf8)

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        let last = haystack.count - needle.count
        var index = 0
        while index <= last {
            if haystack[index] == first {
                var matched = 1
                while matched < needle.count, haystack[index + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return index }
            }
            index += 1
        }
        return nil
    }
}
