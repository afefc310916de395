/// Which regular files count as logs. A pattern with a `/` matches the whole path; one
/// without matches the file name. `*` and `?` stay within one path component, `**` crosses
/// components: `*.log`, `/var/log/**`, `/srv/*/logs/*.txt`.
public struct LogPathGlob: Sendable, Hashable, CustomStringConvertible {
    public static let defaults = [LogPathGlob("*.log"), LogPathGlob("/var/log/**")]

    public let pattern: String
    private let bytes: [UInt8]
    private let matchesWholePath: Bool

    public init(_ pattern: String) {
        self.pattern = pattern
        bytes = Array(pattern.utf8)
        matchesWholePath = pattern.contains("/")
    }

    public var description: String { pattern }

    public func matches(_ path: String) -> Bool {
        var subject = Array(path.utf8)
        if !matchesWholePath, let slash = subject.lastIndex(of: 0x2F) {
            subject = Array(subject[(slash + 1)...])
        }
        return Self.match(bytes[...], subject[...])
    }

    public static func anyMatches(_ globs: [LogPathGlob], _ path: String) -> Bool {
        globs.contains { $0.matches(path) }
    }

    private static func match(_ pattern: ArraySlice<UInt8>, _ subject: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return subject.isEmpty }
        let rest = pattern.dropFirst()
        switch first {
        case 0x2A where rest.first == 0x2A:  // **
            let afterStars = rest.dropFirst()
            var index = subject.startIndex
            while true {
                if match(afterStars, subject[index...]) { return true }
                guard index < subject.endIndex else { return false }
                index += 1
            }
        case 0x2A:  // *
            var index = subject.startIndex
            while true {
                if match(rest, subject[index...]) { return true }
                guard index < subject.endIndex, subject[index] != 0x2F else { return false }
                index += 1
            }
        case 0x3F:  // ?
            guard let next = subject.first, next != 0x2F else { return false }
            return match(rest, subject.dropFirst())
        default:
            guard subject.first == first else { return false }
            return match(rest, subject.dropFirst())
        }
    }
}
