#if canImport(Glibc)
import Glibc
#endif

/// Turns a refused load (libbpf's status and its log, the verifier's among it) into one line
/// that says which kernel limit or feature refused the program, what the user can do, and
/// whether it is spanlog's to fix. The full log stays with `--verbose`.
enum LoadFailure {
    static let reportAdvice =
        "this is spanlog's to fix: please report it with the output of the same command run with --verbose, and uname -a (docs/collector.md, \"When the kernel refuses the program\")"

    static func explain(status: Int32, log: String, kernel: KernelFacts) -> CollectorError {
        // The object holds several programs; libbpf names the one the kernel refused.
        let what = "loading the BPF program into the kernel failed"
            + (refusedProgram(in: log).map { " (at its program \($0))" } ?? "")
        let facts = kernel.description
        let code = -status
        if code == ENOMEM || code == EMFILE || code == ENFILE {
            return CollectorError.system(what, errno: code, otherwise: "")
        }
        if let size = firstNumber(after: "combined stack size of ", in: log, skippingTo: " is ") {
            return CollectorError(
                what: what,
                why: "the kernel allows 512 bytes of BPF stack along a call chain and one of spanlog's takes \(size) (\(facts))",
                fix: reportAdvice)
        }
        if log.contains("BPF program is too large") || log.contains("too complex") {
            return CollectorError(
                what: what, why: "the program passed the verifier's complexity limit (\(facts))", fix: reportAdvice)
        }
        if let name = quoted(in: line(containing: "not found in kernel", in: log) ?? line(containing: "failed to find kernel BTF type ID", in: log) ?? "") {
            return CollectorError(
                what: what, why: "the kernel has no \(name), which this build of the program needs (\(facts))",
                fix: reportAdvice)
        }
        if let helper = word(after: "unknown func ", in: log) ?? word(after: "invalid func ", in: log) {
            return CollectorError(
                what: what, why: "the kernel has no BPF helper \(helper) (\(facts))",
                fix: "spanlog needs Linux 5.10 or newer; if this kernel is that new, \(reportAdvice)")
        }
        if code == EPERM || code == EACCES, let verdict = lastVerifierLine(in: log) {
            return CollectorError(what: what, why: "the verifier refused it: \(verdict) (\(facts))", fix: reportAdvice)
        }
        if code == EPERM {
            if let lockdown = kernel.lockdown, lockdown == "confidentiality" {
                return CollectorError(
                    what: what, why: "the kernel is locked down (lockdown confidentiality), which forbids BPF programs that read kernel memory (\(facts))",
                    fix: "boot with lockdown=integrity or none to use spanlog")
            }
            return CollectorError(
                what: what, why: "the kernel said permission denied without a verifier message (\(facts))",
                fix: "run spanlog as root (or with CAP_BPF and CAP_PERFMON); run with --verbose for libbpf's log")
        }
        if let verdict = lastVerifierLine(in: log) {
            return CollectorError(what: what, why: "the verifier refused it: \(verdict) (\(facts))", fix: reportAdvice)
        }
        return CollectorError(what: what, why: "\(String(cString: strerror(code))) (\(facts))",
                              fix: "run with --verbose for libbpf's log; if the kernel is Linux 5.10 or newer with BTF, \(reportAdvice)")
    }

    /// The verifier's verdict: the last line of its log that is not its closing statistics.
    static func lastVerifierLine(in log: String) -> String? {
        let lines = log.split(separator: "\n").map { $0.trimmingCharacters(in: " \t") }
        guard let begin = lines.lastIndex(where: { $0.contains("-- BEGIN PROG LOAD LOG --") }) else { return nil }
        let end = lines[begin...].firstIndex(where: { $0.contains("-- END PROG LOAD LOG --") }) ?? lines.endIndex
        let verifier = lines[(begin + 1)..<end].filter {
            !$0.isEmpty && !$0.hasPrefix("processed ") && !$0.hasPrefix("verification time")
                && !$0.hasPrefix("stack depth") && !$0.hasPrefix("max_states_per_insn")
        }
        return verifier.last.map(String.init)
    }

    /// NAME in libbpf's "prog 'NAME': failed to load" (or "BPF program load failed").
    static func refusedProgram(in log: String) -> String? {
        guard let line = log.split(separator: "\n").last(where: {
            $0.contains("prog '") && ($0.contains("failed to load") || $0.contains("load failed"))
        }), let range = line.range(of: "prog '") else { return nil }
        let name = line[range.upperBound...].prefix { $0 != "'" }
        return name.isEmpty ? nil : String(name)
    }

    private static func line(containing needle: String, in log: String) -> Substring? {
        log.split(separator: "\n").last { $0.contains(needle) }
    }

    private static func quoted(in line: Substring) -> String? {
        guard let open = line.firstIndex(of: "'"), let close = line[line.index(after: open)...].firstIndex(of: "'")
        else { return nil }
        return String(line[line.index(after: open)..<close])
    }

    private static func word(after needle: String, in log: String) -> String? {
        guard let range = log.range(of: needle, options: .backwards) else { return nil }
        let word = log[range.upperBound...].prefix { !$0.isWhitespace && $0 != "#" }
        return word.isEmpty ? nil : String(word)
    }

    /// The number in "combined stack size of 2 calls is 688. Too large": the one after
    /// `marker`, on the line that holds `prefix`.
    private static func firstNumber(after prefix: String, in log: String, skippingTo marker: String) -> Int? {
        guard let line = line(containing: prefix, in: log), let range = line.range(of: marker) else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }
}
