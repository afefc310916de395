#if canImport(Glibc)
import Glibc
#endif

/// What a load failure message says about the running kernel, as found, not assumed.
struct KernelFacts: Sendable, Equatable {
    /// `uname -r`.
    var release: String
    /// Whether /sys/kernel/btf/vmlinux is readable.
    var hasBTF: Bool
    /// The active lockdown mode (`none`, `integrity`, `confidentiality`), or nil when
    /// /sys/kernel/security/lockdown cannot be read.
    var lockdown: String?

    static func current() -> KernelFacts {
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return KernelFacts(release: release, hasBTF: access("/sys/kernel/btf/vmlinux", R_OK) == 0,
                           lockdown: ProcFS.readText("/sys/kernel/security/lockdown").flatMap(Self.activeLockdown))
    }

    /// The bracketed word of "none [integrity] confidentiality".
    static func activeLockdown(_ text: String) -> String? {
        guard let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") else { return nil }
        return String(text[text.index(after: open)..<close])
    }

    /// "kernel 6.1.0-57-cloud-amd64, BTF present, lockdown none"
    var description: String {
        var parts = ["kernel \(release)", hasBTF ? "BTF present" : "no BTF"]
        if let lockdown { parts.append("lockdown \(lockdown)") }
        return parts.joined(separator: ", ")
    }
}
