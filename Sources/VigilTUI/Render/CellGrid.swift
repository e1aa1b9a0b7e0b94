import CDisplayWidth

/// A terminal size in cells.
public struct Size: Sendable, Equatable {
    public var columns: Int
    public var rows: Int
    public init(columns: Int, rows: Int) { (self.columns, self.rows) = (columns, rows) }
}

/// One cell: a grapheme cluster as it will be drawn, its width (1 or 2; 0 for the continuation of a wide cell) and
/// the theme role that styles it.
public struct Cell: Sendable, Equatable {
    public var text: String
    public var width: Int
    public var role: ThemeRole

    public static let blank = Cell(text: " ", width: 1, role: .textNormal)
    public static func continuation(_ role: ThemeRole) -> Cell { Cell(text: "", width: 0, role: role) }
}

/// The off-screen frame every view draws into. Only the terminal turns it into curses calls, so views are pure and
/// testable as text.
public struct CellGrid: Sendable, Equatable {
    public let size: Size
    public private(set) var cells: [Cell]

    public init(size: Size) {
        self.size = size
        cells = Array(repeating: .blank, count: max(0, size.columns * size.rows))
    }

    public subscript(row: Int, column: Int) -> Cell {
        cells[row * size.columns + column]
    }

    /// Writes `text` at (row, column), clipped to `width` cells (default: to the edge), truncated with `…` at
    /// display width and padded with spaces in `role` when `pad` is set. Returns the cells written.
    @discardableResult
    public mutating func put(
        _ text: String, row: Int, column: Int, width: Int? = nil, role: ThemeRole, pad: Bool = false
    ) -> Int {
        guard row >= 0, row < size.rows, column >= 0, column < size.columns else { return 0 }
        let available = min(width ?? (size.columns - column), size.columns - column)
        guard available > 0 else { return 0 }
        let clusters = DisplayWidth.fit(text, width: available)
        var x = column
        for cluster in clusters {
            set(row: row, column: x, Cell(text: cluster.text, width: cluster.width, role: role))
            if cluster.width == 2, x + 1 < size.columns { set(row: row, column: x + 1, .continuation(role)) }
            x += cluster.width
        }
        if pad {
            while x < column + available {
                set(row: row, column: x, Cell(text: " ", width: 1, role: role))
                x += 1
            }
        }
        return x - column
    }

    /// Fills a rectangle with blanks in `role`.
    public mutating func fill(row: Int, column: Int, width: Int, height: Int, role: ThemeRole) {
        for y in max(0, row)..<min(size.rows, row + height) {
            for x in max(0, column)..<min(size.columns, column + width) {
                set(row: y, column: x, Cell(text: " ", width: 1, role: role))
            }
        }
    }

    /// Changes the role of existing cells (a selection highlight over drawn text).
    public mutating func restyle(row: Int, column: Int, width: Int, role: ThemeRole) {
        guard row >= 0, row < size.rows else { return }
        for x in max(0, column)..<min(size.columns, column + width) {
            cells[row * size.columns + x].role = role
        }
    }

    private mutating func set(row: Int, column: Int, _ cell: Cell) {
        let index = row * size.columns + column
        // Overwriting half of a wide cell blanks its other half, so no cluster is ever drawn cut.
        if cells[index].width == 0, column > 0, cells[index - 1].width == 2 {
            cells[index - 1] = Cell(text: " ", width: 1, role: cells[index - 1].role)
        }
        if cells[index].width == 2, column + 1 < size.columns {
            cells[index + 1] = Cell(text: " ", width: 1, role: cells[index].role)
        }
        cells[index] = cell
    }

    /// The grid as plain text, one line per row (trailing spaces kept), for snapshots and the e2e-like tests.
    public var text: String {
        (0..<size.rows).map { row in
            (0..<size.columns).map { self[row, $0].text }.joined()
        }.joined(separator: "\n")
    }

    /// One letter per cell naming its role (see ``ThemeRole/letter``), for snapshots of styling.
    public var roleMap: String {
        (0..<size.rows).map { row in
            String((0..<size.columns).map { self[row, $0].role.letter })
        }.joined(separator: "\n")
    }
}

/// Display width by libc's `wcwidth` (what ncurses uses), with the cluster rules of tui.md §9.
public enum DisplayWidth {
    public struct Cluster: Sendable, Equatable {
        public var text: String
        public var width: Int
    }

    /// The clusters of `text` as they will be drawn: controls become `�`, tabs spaces, newlines `⏎`, VS16 is
    /// dropped after a narrow base, ZWJ sequences keep their first emoji, flags become their two letters.
    public static func clusters(_ text: String) -> [Cluster] {
        var out: [Cluster] = []
        for character in text {
            let scalars = Array(character.unicodeScalars)
            guard let first = scalars.first else { continue }
            let value = first.value
            if value == 0x09 { out.append(Cluster(text: " ", width: 1)); continue }
            if value == 0x0A || value == 0x0D { out.append(Cluster(text: "⏎", width: 1)); continue }
            if value < 0x20 || (0x7F...0x9F).contains(value) { out.append(Cluster(text: "�", width: 1)); continue }
            if (0x1F1E6...0x1F1FF).contains(value) {
                // A regional-indicator pair: draw its letters.
                let letters = scalars.compactMap { s -> Character? in
                    (0x1F1E6...0x1F1FF).contains(s.value) ? Character(Unicode.Scalar(s.value - 0x1F1E6 + 65)!) : nil
                }
                out.append(Cluster(text: String(letters.prefix(2)), width: min(2, letters.count)))
                continue
            }
            if scalars.contains(where: { $0.value == 0x200D }) {
                let base = String(String.UnicodeScalarView([first]))
                out.append(Cluster(text: base, width: max(1, min(2, Int(vigil_wcwidth(value))))))
                continue
            }
            var width = Int(vigil_wcwidth(value))
            if width < 0 { width = 1 }
            if width == 0 {
                // A lone combining mark or other zero-width scalar: show it on a space so it takes a cell.
                out.append(Cluster(text: " " + String(character), width: 1))
                continue
            }
            var kept = String.UnicodeScalarView([first])
            for scalar in scalars.dropFirst() where scalar.value != 0xFE0F && kept.count < 5 {
                kept.append(scalar)
            }
            out.append(Cluster(text: String(kept), width: min(width, 2)))
        }
        return out
    }

    /// The display width of `text` under the cluster rules.
    public static func width(_ text: String) -> Int { clusters(text).reduce(0) { $0 + $1.width } }

    /// The clusters of `text` that fit in `width` cells; when it overflows, the last cell holds `…`.
    public static func fit(_ text: String, width: Int) -> [Cluster] {
        guard width > 0 else { return [] }
        let all = clusters(text)
        let total = all.reduce(0) { $0 + $1.width }
        if total <= width { return all }
        var out: [Cluster] = []
        var used = 0
        for cluster in all {
            if used + cluster.width > width - 1 { break }
            out.append(cluster)
            used += cluster.width
        }
        out.append(Cluster(text: "…", width: 1))
        return out
    }

    /// `text` truncated and padded with spaces to exactly `width` cells.
    public static func pad(_ text: String, _ width: Int) -> String {
        let fitted = fit(text, width: width)
        let used = fitted.reduce(0) { $0 + $1.width }
        return fitted.map(\.text).joined() + String(repeating: " ", count: max(0, width - used))
    }

    /// `text` broken into lines of at most `width` cells: at its own newlines, then at the last space that fits (or
    /// mid-word when a word is longer than a line). Continuation lines start with `indent`.
    public static func wrap(_ text: String, width: Int, indent: String = "") -> [String] {
        guard width > 0 else { return [] }
        let indentWidth = min(self.width(indent), max(0, width - 1))
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var rest = clusters(String(paragraph))
            var first = true
            repeat {
                let room = first ? width : width - indentWidth
                var used = 0
                var cut = 0
                var lastSpace: Int?
                while cut < rest.count, used + rest[cut].width <= room {
                    if rest[cut].text == " " { lastSpace = cut }
                    used += rest[cut].width
                    cut += 1
                }
                if cut < rest.count, let space = lastSpace, space > 0 { cut = space + 1 }
                cut = max(cut, min(1, rest.count))
                var line = rest.prefix(cut).map(\.text).joined()
                while cut < rest.count, line.hasSuffix(" ") { line.removeLast() }
                lines.append((first ? "" : String(indent.prefix(indentWidth))) + line)
                rest.removeFirst(cut)
                first = false
            } while !rest.isEmpty
        }
        return lines
    }

    /// Shortens an id from the middle (`TMEM_41…9a2`) to at most `width` cells.
    public static func middle(_ id: String, _ width: Int) -> String {
        guard id.count > width, width >= 5 else { return id }
        let tail = (width - 1) / 3
        let head = width - 1 - tail
        return String(id.prefix(head)) + "…" + String(id.suffix(tail))
    }
}
