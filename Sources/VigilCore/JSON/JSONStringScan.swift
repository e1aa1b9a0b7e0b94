/// Finds where a JSON string's plain run ends: the first byte that is a quote, a backslash or a control character,
/// eight bytes at a time (SWAR). Writing and reading export lines is mostly this scan over long strings.
package enum JSONStringScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The number of bytes from `start` before the first one that needs escaping, or `count` if none does.
    @inline(__always)
    package static func plainRun(_ base: UnsafePointer<UInt8>, from start: Int, to count: Int) -> Int {
        var index = start
        let raw = UnsafeRawPointer(base)
        while index + 8 <= count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            // A byte below 0x20 (its high bit clear), or equal to '"' or '\': the lowest flagged byte is exact.
            let below = (word &- ones &* 0x20) & ~word & highs
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let flags = below | ((quote &- ones) & ~quote & highs) | ((backslash &- ones) & ~backslash & highs)
            if flags != 0 { return index + flags.trailingZeroBitCount / 8 - start }
            index += 8
        }
        while index < count {
            let byte = base[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
            index += 1
        }
        return index - start
    }

    /// Whether every byte is ASCII, eight at a time.
    package static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var index = 0
        let raw = UnsafeRawPointer(base)
        while index + 8 <= bytes.count {
            if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & highs != 0 { return false }
            index += 8
        }
        return !bytes[index...].contains { $0 >= 0x80 }
    }
}
