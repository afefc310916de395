import ArgumentParser
import SpanlogCollector
import SpanlogCore
import SpanlogRuntime

/// What the collector captures; shared by run, tail and record.
struct CaptureOptions: ParsableArguments {
    @Option(name: .customLong("log-path"),
            help: "Capture writes to regular files matching this glob (repeatable; default '*.log' and '/var/log/**'). '*' stays in one path component, '**' crosses them; a pattern without '/' matches the file name.")
    var logPaths: [String] = []

    @Flag(help: "Do not capture writes to standard output.")
    var noStdout = false

    @Flag(help: "Do not capture writes to standard error.")
    var noStderr = false

    @Option(help: "Bytes kept per write (at most 65536); larger writes are flagged truncated with their full length.")
    var maxWriteBytes = CollectorOptions.defaultMaxWriteBytes

    @Option(help: "Size of the kernel ring buffer in bytes (a power of two). Raise it if events are lost.")
    var ringBufferSize = CollectorOptions.defaultRingBufferBytes

    @Flag(help: "Count each traced thread's reads and writes on any descriptor: span records get the bytes and system calls between enter and exit (io.read_bytes, …).")
    var spanIO = false

    @Flag(help: "Print libbpf's diagnostics, including the verifier log when loading fails.")
    var verbose = false

    @Option(help: "Where the write capture hooks into the kernel: 'fexit' (only the write system calls pay; refused under lockdown), 'tracepoint' (sys_exit: every system call passes one test), or 'auto' (fexit where the kernel allows it).")
    var attach: AttachMode = .auto

    /// The paths older kernels get; the tests use them to check those paths on a newer one.
    @Flag(name: .customLong("bpf-fd-table-by-helper"), help: .hidden)
    var fdTableByHelper = false
    @Flag(name: .customLong("bpf-without-kfuncs"), help: .hidden)
    var withoutKfuncs = false
    @Flag(name: .customLong("bpf-bounded-loops"), help: .hidden)
    var boundedLoops = false

    func validate() throws {
        guard (1...CollectorOptions.maxWriteBytesLimit).contains(maxWriteBytes) else {
            throw ValidationError("--max-write-bytes must be between 1 and \(CollectorOptions.maxWriteBytesLimit).")
        }
        guard ringBufferSize >= 4096, ringBufferSize & (ringBufferSize - 1) == 0 else {
            throw ValidationError("--ring-buffer-size must be a power of two of at least 4096, for example 16777216.")
        }
    }

    func apply(to configuration: inout SessionConfiguration) {
        if !logPaths.isEmpty { configuration.collector.logGlobs = logPaths.map(LogPathGlob.init) }
        configuration.collector.captureStdout = !noStdout
        configuration.collector.captureStderr = !noStderr
        configuration.collector.maxWriteBytes = maxWriteBytes
        configuration.collector.ringBufferBytes = ringBufferSize
        configuration.collector.verbose = verbose
        configuration.collector.fdTableByHelper = fdTableByHelper
        configuration.collector.withoutKfuncs = withoutKfuncs
        configuration.collector.boundedLoops = boundedLoops
        configuration.collector.attach = attach
        configuration.collector.spanIO = spanIO
    }
}


extension AttachMode: ExpressibleByArgument {}
