#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore

/// Writes rendered bytes to a file descriptor, retrying short writes.
final class FileDescriptorOutput: ByteOutput, Sendable {
    let fd: Int32

    init(fd: Int32) {
        self.fd = fd
    }

    func write(_ bytes: UnsafeRawBufferPointer) {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = Glibc.write(fd, pointer, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                return  // a closed pipe: nothing more can be shown
            }
            pointer += written
            remaining -= written
        }
    }

    func flush() {}

    var isTerminal: Bool { isatty(fd) == 1 }

    static let standardOutput = FileDescriptorOutput(fd: STDOUT_FILENO)
    static let standardError = FileDescriptorOutput(fd: STDERR_FILENO)
}

/// Prints a one-line message to standard error.
func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { FileDescriptorOutput.standardError.write(UnsafeRawBufferPointer($0)) }
}
