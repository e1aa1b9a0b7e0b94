import CDisplayWidth
import CNcursesw
import Foundation
import VigilTUI

#if canImport(Glibc)
import Glibc
#endif

/// How many colours the terminal gets from us.
public enum ColorDepth: String, Sendable {
    case mono, ansi16 = "16", xterm256 = "256"
}

public enum TerminalError: Error, CustomStringConvertible {
    case notATerminal
    case cannotStart(term: String?)

    public var description: String {
        switch self {
        case .notATerminal:
            "the dashboard needs a terminal: stdin and stdout must be a TTY (for scripts use the subcommands, e.g. `vigil decisions list --json`)"
        case .cannotStart(let term):
            "cannot start the terminal (TERM=\(term ?? "unset")); set TERM to your terminal type, e.g. TERM=xterm-256color"
        }
    }
}

/// The only code that calls curses. Owns the screen; every method must be called on the thread that created it.
final class Terminal {
    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private var previous: CellGrid?
    private var pairs: [ThemeRole: (pair: Int16, attrs: attr_t)] = [:]
    let depth: ColorDepth
    private let owner = Thread.current

    /// Starts curses on the process's terminal. `forceMono` (NO_COLOR, `--color never`) skips colour entirely.
    init(theme: Theme, forceMono: Bool) throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw TerminalError.notATerminal }
        _ = vigil_use_utf8_locale()
        guard let output = fdopen(STDOUT_FILENO, "w"), let input = fdopen(STDIN_FILENO, "r"),
            let screen = newterm(nil, output, input)
        else { throw TerminalError.cannotStart(term: ProcessInfo.processInfo.environment["TERM"]) }
        self.screen = screen
        set_term(screen)
        window = vigil_stdscr()
        cbreak()
        noecho()
        nonl()
        intrflush(window, false)
        keypad(window, true)
        curs_set(0)
        set_escdelay(25)
        wtimeout(window, 50)
        if !forceMono, has_colors() {
            start_color()
            use_default_colors()
            depth = vigil_colors() >= 256 ? .xterm256 : .ansi16
        } else {
            depth = .mono
        }
        apply(theme)
    }

    private func checkThread() {
        assert(Thread.current == owner, "curses called off its thread")
    }

    /// Allocates one colour pair per distinct (fg, bg) of the theme and remembers each role's pair and attributes.
    func apply(_ theme: Theme) {
        checkThread()
        pairs = [:]
        var allocated: [String: Int16] = [:]
        for role in ThemeRole.allCases {
            let style = theme.style(role)
            var attrs = vigil_a_normal()
            if style.bold { attrs |= vigil_a_bold() }
            if style.dim { attrs |= vigil_a_dim() }
            if style.underline { attrs |= vigil_a_underline() }
            if style.reverse { attrs |= vigil_a_reverse() }
            var pair: Int16 = 0
            if depth != .mono {
                let fg = depth == .xterm256 ? style.foreground.xterm256 : style.foreground.ansi16
                let bg = depth == .xterm256 ? style.background.xterm256 : style.background.ansi16
                let key = "\(fg)/\(bg)"
                if let existing = allocated[key] {
                    pair = existing
                } else if fg != -1 || bg != -1, allocated.count + 1 < Int(vigil_color_pairs()) {
                    pair = Int16(allocated.count + 1)
                    init_pair(pair, Int16(fg), Int16(bg))
                    allocated[key] = pair
                }
            }
            pairs[role] = (pair, attrs)
        }
        previous = nil
    }

    var size: Size { Size(columns: Int(vigil_cols()), rows: Int(vigil_lines())) }

    /// Waits up to the input timeout (50 ms) for a key; `nil` on timeout. `.resize` arrives as `nil` with `resized`.
    func readKey() -> (key: KeyEvent?, resized: Bool, got: Bool) {
        checkThread()
        var code: UInt32 = 0
        let result = vigil_get_wch(window, &code)
        if result == ERR { return (nil, false, false) }
        if result == KEY_CODE_YES {
            switch Int32(code) {
            case KEY_RESIZE: return (nil, true, true)
            case KEY_UP: return (.up, false, true)
            case KEY_DOWN: return (.down, false, true)
            case KEY_LEFT: return (.left, false, true)
            case KEY_RIGHT: return (.right, false, true)
            case KEY_HOME: return (.home, false, true)
            case KEY_END: return (.end, false, true)
            case KEY_PPAGE: return (.pageUp, false, true)
            case KEY_NPAGE: return (.pageDown, false, true)
            case KEY_BTAB: return (.backTab, false, true)
            case KEY_BACKSPACE: return (.backspace, false, true)
            case KEY_ENTER: return (.enter, false, true)
            default:
                if Int32(code) >= KEY_F0 + 1, Int32(code) <= KEY_F0 + 12 { return (.function(Int(Int32(code) - KEY_F0)), false, true) }
                return (nil, false, true)
            }
        }
        switch code {
        case 13, 10: return (.enter, false, true)
        case 27: return (.esc, false, true)
        case 9: return (.tab, false, true)
        case 127, 8: return (.backspace, false, true)
        case 1...26: return (.ctrl(Character(Unicode.Scalar(code + 96)!)), false, true)
        default:
            guard let scalar = Unicode.Scalar(code) else { return (nil, false, true) }
            return (.char(Character(scalar)), false, true)
        }
    }

    /// Makes the next read return at once (draining a burst of input) or wait the tick again.
    func setBlocking(_ wait: Bool) { wtimeout(window, wait ? 50 : 0) }

    /// Draws the cells that changed since the last frame, then one terminal update.
    func draw(_ grid: CellGrid) {
        checkThread()
        let full = previous?.size != grid.size
        if full { clearok(window, true) }
        for row in 0..<grid.size.rows {
            for column in 0..<grid.size.columns {
                let cell = grid[row, column]
                if !full, let previous, previous[row, column] == cell,
                    !(column > 0 && grid[row, column - 1].width == 2 && previous[row, column - 1] != grid[row, column - 1])
                { continue }
                guard cell.width > 0 else { continue }
                // Never write the last cell of the screen: it would scroll some terminals.
                if row == grid.size.rows - 1, column == grid.size.columns - 1 { continue }
                let style = pairs[cell.role] ?? (0, vigil_a_normal())
                var wide = cell.text.unicodeScalars.prefix(5).map { wchar_t(bitPattern: $0.value) }
                wide.append(0)
                _ = wide.withUnsafeBufferPointer { vigil_put_cluster(window, Int32(row), Int32(column), $0.baseAddress, style.attrs, style.pair) }
            }
        }
        previous = grid
        wnoutrefresh(window)
        doupdate()
    }

    func bell() { beep() }

    /// Restores the terminal. Safe to call twice.
    private var ended = false
    func end() {
        guard !ended else { return }
        ended = true
        endwin()
        delscreen(screen)
    }

    deinit { end() }
}
