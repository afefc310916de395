/// The kernel functions the fexit programs attach to: the system call wrappers of the write
/// family and the pipe makers (captured), and of the read family (`--span-io`). Each takes the
/// saved user registers and returns the system call's result, as the `sys_exit` tracepoint
/// sees them. Names differ between kernel versions for some 32-bit calls, so each call lists
/// its candidates, most recent first; the first one in the kernel's BTF is used.
struct FexitTargets: Equatable {
    /// One system call and the names its wrapper has had.
    struct Call {
        var name: String
        var candidates: [String]

        init(_ name: String, _ candidates: String...) {
            self.name = name
            self.candidates = candidates
        }
    }

    static let writes64 = [
        Call("write", "__x64_sys_write"), Call("pwrite64", "__x64_sys_pwrite64"),
        Call("writev", "__x64_sys_writev"), Call("pwritev", "__x64_sys_pwritev"),
        Call("pwritev2", "__x64_sys_pwritev2"),
    ]
    /// 32-bit (ia32) system calls, present when the kernel runs 32-bit programs.
    static let writes32 = [
        Call("write", "__ia32_sys_write"),
        Call("pwrite64", "__ia32_sys_ia32_pwrite64", "__ia32_compat_sys_ia32_pwrite64"),
        Call("writev", "__ia32_sys_writev", "__ia32_compat_sys_writev"),
        Call("pwritev", "__ia32_compat_sys_pwritev", "__ia32_sys_pwritev"),
        Call("pwritev2", "__ia32_compat_sys_pwritev2", "__ia32_sys_pwritev2"),
    ]
    /// The pipe makers: output into what they make stays inside the traced tree.
    static let pipes64 = [
        Call("pipe", "__x64_sys_pipe"), Call("pipe2", "__x64_sys_pipe2"),
        Call("socketpair", "__x64_sys_socketpair"),
    ]
    static let pipes32 = [
        Call("pipe", "__ia32_sys_pipe"), Call("pipe2", "__ia32_sys_pipe2"),
        Call("socketpair", "__ia32_sys_socketpair", "__ia32_compat_sys_socketpair"),
    ]
    /// What the tracepoint program counts for --span-io besides writes.
    static let io64 = [
        Call("read", "__x64_sys_read"), Call("pread64", "__x64_sys_pread64"), Call("readv", "__x64_sys_readv"),
        Call("preadv", "__x64_sys_preadv"), Call("preadv2", "__x64_sys_preadv2"),
        Call("recvfrom", "__x64_sys_recvfrom"), Call("recvmsg", "__x64_sys_recvmsg"),
        Call("sendto", "__x64_sys_sendto"), Call("sendmsg", "__x64_sys_sendmsg"),
    ]
    static let io32 = [
        Call("read", "__ia32_sys_read"), Call("readv", "__ia32_sys_readv", "__ia32_compat_sys_readv"),
        Call("pread64", "__ia32_sys_ia32_pread64", "__ia32_compat_sys_ia32_pread64"),
        Call("preadv", "__ia32_compat_sys_preadv", "__ia32_sys_preadv"),
        Call("preadv2", "__ia32_compat_sys_preadv2", "__ia32_sys_preadv2"),
    ]
    /// The BPF object's slots (SL_CAPTURE_SLOT, SL_PIPE_SLOT and SL_IO_SLOT in
    /// bpf/spanlog.bpf.c).
    static let captureSlots = 10
    static let pipeSlots = 6
    static let ioSlots = 14

    /// The functions the capture_exit_N programs attach to, in slot order.
    var captured: [String]
    /// The functions the pipe_exit_N programs attach to.
    var pipes: [String]
    /// The functions the io_exit_N programs attach to (empty without --span-io).
    var io: [String]

    /// Resolves every call against the kernel's functions. Fails with the call the kernel has
    /// no function for: a missing one would be a write spanlog never sees, so then the
    /// tracepoint is used instead.
    static func resolve(spanIO: Bool, kernelHas: (String) -> Bool) -> Result<FexitTargets, Missing> {
        // A kernel without 32-bit emulation has none of the ia32 wrappers, and no 32-bit writes.
        let has32 = kernelHas("__ia32_sys_write")
        func functions(_ calls: [Call]) -> Result<[String], Missing> {
            var found: [String] = []
            for call in calls {
                guard let function = call.candidates.first(where: kernelHas) else { return .failure(Missing(call: call)) }
                found.append(function)
            }
            return .success(found)
        }
        do {
            return .success(FexitTargets(
                captured: try functions(writes64 + (has32 ? writes32 : [])).get(),
                pipes: try functions(pipes64 + (has32 ? pipes32 : [])).get(),
                io: spanIO ? try functions(io64 + (has32 ? io32 : [])).get() : []))
        } catch {
            return .failure(error)
        }
    }

    struct Missing: Error, Equatable {
        var call: String
        var candidates: [String]

        init(call: Call) {
            self.call = call.name
            candidates = call.candidates
        }

        var description: String {
            "the kernel has no \(candidates.joined(separator: " or ")) to attach to (the \(call) system call)"
        }
    }
}
