/// Where renderers put their bytes. The CLI writes to a file descriptor; tests collect in memory.
public protocol ByteOutput: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer)
    func flush()
}
