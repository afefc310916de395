/// Terminal colour and erase-line sequences (`ESC [ params m`, `ESC [ params K`), as compilers
/// and some loggers print on a terminal: they carry no text. The level detector looks past
/// them; the text view drops them.
package enum ColorSequence {
    /// The index after the sequence starting at `start` (an ESC), or nil when none starts there.
    package static func end(in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int? {
        var index = start + 1
        guard index < bytes.count, bytes[index] == 0x5B else { return nil }
        index += 1
        while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x3F { index += 1 }
        guard index < bytes.count, bytes[index] == 0x6D || bytes[index] == 0x4B else { return nil }
        return index + 1
    }
}
