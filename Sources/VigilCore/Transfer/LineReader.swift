import Foundation

/// Reads a file's lines in 4 MiB chunks, numbering them from 1 (blank lines are counted and skipped). Lines are found
/// with `memchr` on the chunk's bytes: the reader of an export file should cost nothing beside the parse.
package enum LineReader {
    /// Each line as text; a line that is not UTF-8 is refused with its number.
    package static func forEach(path: String, _ body: (Int, String) throws -> Void) throws {
        try forEachLine(path: path) { number, bytes in
            guard let text = String(validating: bytes, as: UTF8.self) else { throw ImportError.malformed(line: number, reason: "not UTF-8") }
            try body(number, text)
        }
    }

    /// Each line's bytes (valid only during the call) in `range` of the file (all of it by default), which must start
    /// at a line's start (see ``split(path:parts:)``); numbers count from 1 at the range's start. Returns how many
    /// lines the range holds.
    @discardableResult
    package static func forEachLine(
        path: String, range: Range<UInt64>? = nil, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> Int {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var remaining = UInt64.max
        if let range {
            try handle.seek(toOffset: range.lowerBound)
            remaining = range.upperBound - range.lowerBound
        }
        var carry: [UInt8] = []
        var number = 0
        while remaining > 0, let chunk = try handle.read(upToCount: Int(min(UInt64(1 << 22), remaining))), !chunk.isEmpty {
            remaining -= UInt64(chunk.count)
            var bytes = carry
            bytes.append(contentsOf: chunk)
            let consumed: Int = try bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return 0 }
                var start = 0
                while start < buffer.count, let hit = memchr(base + start, 0x0A, buffer.count - start) {
                    let end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    number += 1
                    if end > start { try body(number, UnsafeBufferPointer(rebasing: buffer[start..<end])) }
                    start = end + 1
                }
                return start
            }
            carry = Array(bytes[consumed...])
        }
        if !carry.isEmpty {
            number += 1
            try carry.withUnsafeBufferPointer { try body(number, $0) }
        }
        return number
    }

    /// Up to `parts` byte ranges that cover the file, each starting at a line's start, for reading in parallel.
    package static func split(path: String, parts: Int) throws -> [Range<UInt64>] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        var bounds: [UInt64] = [0]
        for part in 1..<max(parts, 1) {
            var offset = max(size * UInt64(part) / UInt64(parts), bounds.last!)
            // The next line starts after the first newline at or past the guess.
            try handle.seek(toOffset: offset)
            while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
                if let newline = chunk.firstIndex(of: 0x0A) {
                    offset += UInt64(chunk.distance(from: chunk.startIndex, to: newline) + 1)
                    break
                }
                offset += UInt64(chunk.count)
            }
            bounds.append(min(offset, size))
        }
        bounds.append(size)
        return zip(bounds, bounds.dropFirst()).map { $0..<$1 }.filter { !$0.isEmpty }
    }
}
