/// Journal field names spanlog writes, and the one way a name from user input (an argument
/// name) becomes a field name: it can never be anything but `SPAN_ARG_…`/`SPAN_EXIT_ARG_…`.
enum JournalField {
    /// journald drops a field whose name is longer (silently).
    static let maxNameLength = 64
    /// sd_journal_sendv hands each field to one sendmsg as 2 iovecs (5 for a value holding a
    /// newline, sent in binary form) and fails the entry with EINVAL past IOV_MAX (1024); journald
    /// would also drop an entry of 1024 fields or more. Arguments stop at this iovec budget.
    static let maxIOVecs = 1000
    /// Kept free for the fields written after the arguments.
    static let reservedIOVecs = 12

    /// `PREFIX` + the name upper-cased, every byte outside `A-Z0-9_` turned into `_`, cut to 64
    /// bytes. The prefix starts with a letter, so the result is always a valid, spanlog-owned name.
    static func argumentName(prefix: String, _ name: String) -> [UInt8] {
        var bytes = Array(prefix.utf8)
        for byte in name.utf8 {
            guard bytes.count < maxNameLength else { break }
            switch byte {
            case 0x61...0x7A: bytes.append(byte - 0x20)
            case 0x41...0x5A, 0x30...0x39, 0x5F: bytes.append(byte)
            default: bytes.append(0x5F)
            }
        }
        return bytes
    }
}

/// Fixed MESSAGE_IDs, one per record kind (documented in docs/journald.md, described for
/// `journalctl -x` by journal/spanlog.catalog).
public enum JournalMessageID {
    public static let line = "6b1e4a0c2f8d4c1b9a7e3d5f0c2b4a61"
    public static let spanEnd = "3c9f7e2a1b5d4e8f8a6c0d2e4f1b3a72"
    public static let alert = "a8d2c4e6f0b1437d9e5a7c3b1d0f2e83"
    public static let warning = "5e7a9c1b3d2f4a6c8e0b2d4f6a8c0e94"
}
