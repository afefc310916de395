/// The parsed form of a condition, before fields are resolved and types checked. Offsets are
/// UTF-8 byte offsets into the condition text, mapped to file positions for errors.
indirect enum ConditionSyntax {
    case and(ConditionSyntax, ConditionSyntax)
    case or(ConditionSyntax, ConditionSyntax)
    case not(ConditionSyntax)
    /// `FIELD OP VALUE`, `FIELD in (…)`, `FIELD exists`.
    case comparison(field: FieldReference, op: ComparisonOperator, values: [LiteralValue], offset: Int)
    /// A bare name: a macro.
    case macro(name: String, offset: Int)
}

struct FieldReference {
    var name: String
    var offset: Int
}

enum ComparisonOperator: String, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case contains, icontains, startswith, endswith, glob, matches
    case `in`
    case exists

    var isOrdering: Bool { self == .less || self == .lessOrEqual || self == .greater || self == .greaterOrEqual }
    /// Operators that only make sense on text.
    var isTextual: Bool { [.contains, .icontains, .startswith, .endswith, .glob, .matches].contains(self) }
}

/// A literal on the right of an operator, with where it was written.
struct LiteralValue {
    enum Kind {
        /// Quoted, or a bare word (`proc.name = nginx`, as in Falco).
        case string(String, quoted: Bool)
        case number(Double)
        /// Nanoseconds, from `250us`, `500ms`, `2s`, `1m`, `1h`.
        case duration(Double)
    }

    var kind: Kind
    var offset: Int
    var text: String
}
