import CSpanlogTerminal

/// A key press, as the screen handles it.
package enum Key: Equatable {
    case character(Character)
    case control(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, backspace, escape, resize, f1
    /// The terminal went away: nothing can be drawn or read any more.
    case hangup
    case other

    /// From the terminal shim's code; `pending` collects the bytes of a UTF-8 character.
    init?(code: Int32, pending: inout [UInt8]) {
        switch code {
        case SL_KEY_NONE.rawValue: return nil
        case SL_KEY_UP.rawValue: self = .up
        case SL_KEY_DOWN.rawValue: self = .down
        case SL_KEY_LEFT.rawValue: self = .left
        case SL_KEY_RIGHT.rawValue: self = .right
        case SL_KEY_PAGE_UP.rawValue: self = .pageUp
        case SL_KEY_PAGE_DOWN.rawValue: self = .pageDown
        case SL_KEY_HOME.rawValue: self = .home
        case SL_KEY_END.rawValue: self = .end
        case SL_KEY_ENTER.rawValue: self = .enter
        case SL_KEY_BACKSPACE.rawValue: self = .backspace
        case SL_KEY_RESIZE.rawValue: self = .resize
        case SL_KEY_F1.rawValue: self = .f1
        case SL_KEY_HANGUP.rawValue: self = .hangup
        case 27: self = .escape
        case 0..<32: self = .control(Character(Unicode.Scalar(UInt8(code) + 96)))
        case 32..<128: self = .character(Character(Unicode.Scalar(UInt8(code))))
        case 128..<256:
            pending.append(UInt8(code))
            let expected = pending[0] >= 0xF0 ? 4 : pending[0] >= 0xE0 ? 3 : 2
            guard pending.count >= expected else { return nil }
            let text = String(decoding: pending, as: UTF8.self)
            pending = []
            self = text.first.map { .character($0) } ?? .other
        default: self = .other
        }
    }
}
