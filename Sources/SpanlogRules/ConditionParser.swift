/// Parses a condition: `or` binds loosest, then `and`, then `not`; parentheses group.
///
///     condition  := or
///     or         := and ('or' and)*
///     and        := unary ('and' unary)*
///     unary      := 'not' unary | '(' or ')' | comparison | MACRO
///     comparison := FIELD OP VALUE | FIELD 'in' '(' VALUE (',' VALUE)* ')' | FIELD 'exists'
struct ConditionParser {
    private let tokens: [ConditionToken]
    private var position = 0
    /// A word is a field when it starts with one of these (everything else is a macro name).
    static let fieldRoots = ["span.", "proc.", "container.", "line."]

    static func parse(_ text: String) throws(ConditionSyntaxError) -> ConditionSyntax {
        var parser = ConditionParser(tokens: try ConditionLexer.tokens(text))
        let condition = try parser.parseOr()
        let next = parser.peek
        guard next.kind == .end else {
            throw ConditionSyntaxError(offset: next.offset, message: "unexpected '\(next.text)'; expected 'and', 'or' or the end of the condition")
        }
        return condition
    }

    private init(tokens: [ConditionToken]) {
        self.tokens = tokens
    }

    private var peek: ConditionToken { tokens[position] }

    private mutating func advance() -> ConditionToken {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func isKeyword(_ token: ConditionToken, _ word: String) -> Bool {
        if case .word(let text) = token.kind { return text == word }
        return false
    }

    private mutating func parseOr() throws(ConditionSyntaxError) -> ConditionSyntax {
        var left = try parseAnd()
        while isKeyword(peek, "or") {
            _ = advance()
            left = .or(left, try parseAnd())
        }
        return left
    }

    private mutating func parseAnd() throws(ConditionSyntaxError) -> ConditionSyntax {
        var left = try parseUnary()
        while isKeyword(peek, "and") {
            _ = advance()
            left = .and(left, try parseUnary())
        }
        return left
    }

    private mutating func parseUnary() throws(ConditionSyntaxError) -> ConditionSyntax {
        let token = advance()
        switch token.kind {
        case .word("not"):
            return .not(try parseUnary())
        case .symbol("("):
            let inner = try parseOr()
            let close = advance()
            guard close.kind == .symbol(")") else {
                throw ConditionSyntaxError(offset: close.offset, message: "expected ')' to close the '(' at byte \(token.offset + 1)")
            }
            return inner
        case .word(let word) where ["and", "or"].contains(word):
            throw ConditionSyntaxError(offset: token.offset, message: "'\(word)' needs a condition before it")
        case .word(let word):
            if Self.fieldRoots.contains(where: { word.hasPrefix($0) }) {
                return try parseComparison(FieldReference(name: word, offset: token.offset))
            }
            if let next = operatorToken(peek) {
                throw ConditionSyntaxError(offset: token.offset, message: "unknown field '\(word)' before '\(next)'; fields start with span., proc., container. or line. ('spanlog rules fields' lists them)")
            }
            return .macro(name: word, offset: token.offset)
        case .end:
            throw ConditionSyntaxError(offset: token.offset, message: "the condition ends where a field, macro or '(' was expected")
        default:
            throw ConditionSyntaxError(offset: token.offset, message: "unexpected '\(token.text)'; expected a field, a macro, 'not' or '('")
        }
    }

    private func operatorToken(_ token: ConditionToken) -> String? {
        switch token.kind {
        case .symbol(let symbol) where ComparisonOperator(rawValue: symbol) != nil: symbol
        case .word(let word) where ComparisonOperator(rawValue: word) != nil: word
        default: nil
        }
    }

    private mutating func parseComparison(_ field: FieldReference) throws(ConditionSyntaxError) -> ConditionSyntax {
        let opToken = advance()
        guard let opText = operatorToken(opToken), let op = ComparisonOperator(rawValue: opText) else {
            let found = opToken.kind == .end ? "the end of the condition" : "'\(opToken.text)'"
            throw ConditionSyntaxError(offset: opToken.offset, message: "unknown operator \(found) after \(field.name); use = != < <= > >= contains icontains startswith endswith glob matches in exists")
        }
        switch op {
        case .exists:
            return .comparison(field: field, op: op, values: [], offset: opToken.offset)
        case .in:
            let open = advance()
            guard open.kind == .symbol("(") else {
                throw ConditionSyntaxError(offset: open.offset, message: "'in' takes a parenthesised list: \(field.name) in (a, b)")
            }
            var values: [LiteralValue] = []
            while true {
                values.append(try parseValue(after: "in ("))
                let separator = advance()
                if separator.kind == .symbol(")") { break }
                guard separator.kind == .symbol(",") else {
                    throw ConditionSyntaxError(offset: separator.offset, message: "expected ',' or ')' in the list")
                }
            }
            return .comparison(field: field, op: op, values: values, offset: opToken.offset)
        default:
            return .comparison(field: field, op: op, values: [try parseValue(after: opText)], offset: opToken.offset)
        }
    }

    private mutating func parseValue(after op: String) throws(ConditionSyntaxError) -> LiteralValue {
        let token = advance()
        switch token.kind {
        case .string(let text): return LiteralValue(kind: .string(text, quoted: true), offset: token.offset, text: token.text)
        case .number(let number): return LiteralValue(kind: .number(number), offset: token.offset, text: token.text)
        case .duration(let nanoseconds): return LiteralValue(kind: .duration(nanoseconds), offset: token.offset, text: token.text)
        case .word(let word) where !["and", "or", "not"].contains(word):
            return LiteralValue(kind: .string(word, quoted: false), offset: token.offset, text: token.text)
        default:
            let found = token.kind == .end ? "the end of the condition" : "'\(token.text)'"
            throw ConditionSyntaxError(offset: token.offset, message: "expected a value after '\(op)', found \(found)")
        }
    }
}
