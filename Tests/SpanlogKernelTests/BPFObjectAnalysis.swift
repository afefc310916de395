import SpanlogTestSupport
import Foundation

/// Reads a BPF ELF object (as clang writes it) far enough to check what the classic verifier
/// limits without loading it: the stack of every BPF-to-BPF call chain (512 bytes at most on
/// kernels without private stacks), and which symbols are externs (kfuncs, ksyms) that a
/// kernel may not have. The depth is computed as the kernel's check_max_stack_depth does:
/// each frame's deepest use of r10, rounded up to 32 bytes, summed along calls and callback
/// references (bpf_loop).
struct BPFObjectAnalysis {
    struct Function: Hashable {
        var section: Int
        var name: String
        var start: Int  // instruction index in its section
        var count: Int
    }

    private(set) var functions: [Function] = []
    /// Each function's own stack, unrounded.
    private(set) var stackDepth: [Function: Int] = [:]
    /// Functions each function calls or passes as a callback.
    private(set) var callees: [Function: Set<Function>] = [:]
    /// Program entry points: functions in sections other than .text.
    private(set) var programs: [Function] = []
    /// Undefined global symbols: what the loader must resolve against the kernel.
    private(set) var externs: [String] = []
    /// Helper numbers called (include/uapi/linux/bpf.h, `BPF_FUNC_*`).
    private(set) var helpers: Set<Int> = []
    /// The operations of atomic instructions (their immediates): 0 is the plain add every
    /// kernel has; the others (fetch, or, and, xor, xchg, cmpxchg) are Linux 5.12+.
    private(set) var atomicOperations: Set<Int> = []
    /// Functions passed as callbacks (bpf_loop and the like; Linux 5.13+ knows the reference).
    private(set) var callbackReferences = 0
    /// Functions outside program sections that are global: before 5.12 the verifier takes only
    /// scalars and the context as their arguments.
    private(set) var globalFunctions: [String] = []

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    init(elf data: Data) throws {
        let bytes = [UInt8](data)
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func u64(_ at: Int) -> Int { u32(at) | u32(at + 4) << 32 }
        func i16(_ at: Int) -> Int { Int(Int16(truncatingIfNeeded: u16(at))) }
        func i32(_ at: Int) -> Int { Int(Int32(truncatingIfNeeded: u32(at))) }
        func string(_ at: Int) -> String { String(decoding: bytes[at...].prefix { $0 != 0 }, as: UTF8.self) }

        guard bytes.count > 64, bytes[0..<4] == [0x7F, 0x45, 0x4C, 0x46], bytes[4] == 2, bytes[5] == 1 else {
            throw Malformed(description: "not a 64-bit little-endian ELF object")
        }
        struct Section { var name: String; var type: Int; var flags: Int; var offset: Int; var size: Int; var link: Int; var info: Int }
        let (sectionTable, sectionCount, namesIndex) = (u64(0x28), u16(0x3C), u16(0x3E))
        var sections: [Section] = (0..<sectionCount).map { index in
            let at = sectionTable + index * 64
            return Section(name: "", type: u32(at + 4), flags: u64(at + 8), offset: u64(at + 24), size: u64(at + 32),
                           link: u32(at + 40), info: u32(at + 44))
        }
        for index in sections.indices { sections[index].name = string(sections[namesIndex].offset + u32(sectionTable + index * 64)) }
        guard let symbolTable = sections.first(where: { $0.type == 2 }) else { throw Malformed(description: "no symbol table") }

        struct Symbol { var name: String; var type: Int; var binding: Int; var section: Int; var value: Int; var size: Int }
        var symbols: [Symbol] = []
        let names = sections[symbolTable.link].offset
        for at in stride(from: symbolTable.offset, to: symbolTable.offset + symbolTable.size, by: 24) {
            let info = Int(bytes[at + 4])
            symbols.append(Symbol(name: string(names + u32(at)), type: info & 0xF, binding: info >> 4,
                                  section: u16(at + 6), value: u64(at + 8), size: u64(at + 16)))
        }
        externs = symbols.filter { $0.section == 0 && !$0.name.isEmpty && $0.binding != 0 }.map(\.name).sorted()

        // Functions, by section and start.
        let executable = Set(sections.indices.filter { sections[$0].type == 1 && sections[$0].flags & 0x4 != 0 })
        for symbol in symbols where symbol.type == 2 && executable.contains(symbol.section) {
            functions.append(Function(section: symbol.section, name: symbol.name, start: symbol.value / 8, count: symbol.size / 8))
            if symbol.binding == 1, sections[symbol.section].name == ".text" { globalFunctions.append(symbol.name) }
        }
        globalFunctions.sort()
        // Relocations by (section, instruction): the symbol a call or callback reference names.
        var relocations: [Int: [Int: Symbol]] = [:]
        for section in sections where section.type == 9 {
            for at in stride(from: section.offset, to: section.offset + section.size, by: 16) {
                relocations[section.info, default: [:]][u64(at) / 8] = symbols[u32(at + 12)]
            }
        }

        for function in functions {
            let base = sections[function.section].offset
            var depth = 0
            var framePointer: [Int: Int] = [:]  // registers holding r10 + offset
            var called = Set<Function>()
            var index = function.start
            while index < function.start + function.count {
                let at = base + index * 8
                let code = Int(bytes[at]), destination = Int(bytes[at + 1] & 0xF), source = Int(bytes[at + 1] >> 4)
                let offset = i16(at + 2), immediate = i32(at + 4)
                let instructionClass = code & 0x07
                // Memory through r10, or through a register that holds r10 plus an offset.
                if instructionClass == 0x01, let frame = source == 10 ? 0 : framePointer[source] {  // LDX
                    depth = max(depth, -(frame + offset))
                }
                if instructionClass == 0x02 || instructionClass == 0x03, let frame = destination == 10 ? 0 : framePointer[destination] {  // ST, STX
                    depth = max(depth, -(frame + offset))
                }
                let isCall = code == 0x85 && source == 1
                let isCallback = code == 0x18 && source == 4
                // A function's address loaded (src 4, or a relocation against code that libbpf
                // turns into one): a callback.
                if code == 0x18, source == 4 || relocations[function.section]?[index].map({
                    $0.type == 2 || ($0.type == 3 && executable.contains($0.section))
                }) == true { callbackReferences += 1 }
                if code == 0x85 && source == 0 { helpers.insert(immediate) }
                if code == 0xDB || code == 0xC3 { atomicOperations.insert(immediate) }  // STX | ATOMIC, DW and W
                if isCall || isCallback {
                    let target: (section: Int, instruction: Int)
                    if let symbol = relocations[function.section]?[index], symbol.section == 0 {
                        // A call to an extern: a kfunc, run on the kernel's own stack.
                        index += isCallback ? 2 : 1
                        continue
                    } else if let symbol = relocations[function.section]?[index] {
                        target = (symbol.section, symbol.value / 8 + immediate + 1)
                    } else {
                        target = (function.section, index + immediate + 1)
                    }
                    guard let callee = Self.find(target, in: functions) else {
                        throw Malformed(description: "\(function.name): a call to instruction \(target.instruction) of section \(target.section) that no function holds")
                    }
                    called.insert(callee)
                }
                // Track r10 copies: rX = r10, rX += imm; anything else written to rX ends it.
                if code == 0xBF, source == 10 {
                    framePointer[destination] = 0
                } else if code == 0x07, let frame = framePointer[destination] {
                    framePointer[destination] = frame + immediate
                    depth = max(depth, -(frame + immediate))
                } else if instructionClass == 0x07 || instructionClass == 0x04 || instructionClass == 0x01 || code == 0x18 {
                    framePointer[destination] = nil
                } else if code == 0x85 {
                    for register in 0...5 { framePointer[register] = nil }
                }
                index += code == 0x18 ? 2 : 1
            }
            stackDepth[function] = depth
            callees[function] = called
        }
        programs = functions.filter { sections[$0.section].name != ".text" }
    }

    private static func find(_ target: (section: Int, instruction: Int), in functions: [Function]) -> Function? {
        functions.first { $0.section == target.section && $0.start == target.instruction }
    }

    /// The deepest call chain from `function`: its frames' stacks, each rounded up to 32 bytes
    /// as the verifier counts them, and the chain itself.
    func deepestChain(from function: Function) -> (bytes: Int, chain: [String]) {
        let own = max(stackDepth[function] ?? 0, 1)
        let rounded = (own + 31) / 32 * 32
        var best: (bytes: Int, chain: [String]) = (0, [])
        for callee in callees[function] ?? [] where callee != function {
            let below = deepestChain(from: callee)
            if below.bytes > best.bytes { best = below }
        }
        return (rounded + best.bytes, [function.name] + best.chain)
    }
}
