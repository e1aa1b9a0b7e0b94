import Foundation

/// Reads a file's lines in 4 MiB chunks, numbering them from 1 (blank lines are counted and skipped). Lines are found
/// with `memchr` on the chunk's bytes: the reader of an export file should cost nothing beside the parse.
package enum LineReader {
    package static func forEach(path: String, _ body: (Int, String) throws -> Void) throws {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var carry: [UInt8] = []
        var number = 0
        while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty {
            var bytes = carry
            bytes.append(contentsOf: chunk)
            let consumed: Int = try bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return 0 }
                var start = 0
                while start < buffer.count, let hit = memchr(base + start, 0x0A, buffer.count - start) {
                    let end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    number += 1
                    try line(UnsafeBufferPointer(rebasing: buffer[start..<end]), number, body)
                    start = end + 1
                }
                return start
            }
            carry = Array(bytes[consumed...])
        }
        if !carry.isEmpty {
            number += 1
            try carry.withUnsafeBufferPointer { try line($0, number, body) }
        }
    }

    private static func line(_ bytes: UnsafeBufferPointer<UInt8>, _ number: Int, _ body: (Int, String) throws -> Void) throws {
        guard !bytes.isEmpty else { return }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ImportError.malformed(line: number, reason: "not UTF-8") }
        try body(number, text)
    }
}
