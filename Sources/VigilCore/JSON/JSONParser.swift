/// An error from ``JSONParser``: what was wrong and at which byte offset.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 JSON parser into ``JSONValue``.
///
/// It rejects trailing commas, comments, leading zeros, lone surrogates and invalid UTF-8, caps nesting depth, and
/// reports the byte offset of the first problem. Duplicate object keys keep the last value.
public struct JSONParser {
    /// Nesting deeper than this is refused rather than risking the stack.
    public static let maximumDepth = 512

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        // Native strings are contiguous UTF-8: parse them in place instead of copying into an array.
        let inPlace: Result<JSONValue, JSONParseError>? = text.utf8.withContiguousStorageIfAvailable { buffer in
            do throws(JSONParseError) { return .success(try parse(bytes: buffer)) } catch { return .failure(error) }
        }
        if let inPlace { return try inPlace.get() }
        return try parse(bytes: Array(text.utf8))
    }

    public static func parse(bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let array = Array(bytes)
        let result: Result<JSONValue, JSONParseError> = array.withUnsafeBufferPointer { buffer in
            do throws(JSONParseError) { return .success(try parse(bytes: buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public static func parse(bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var parser = Cursor(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index != bytes.count { throw parser.error("unexpected data after the JSON value") }
        return value
    }

    /// The parser's position in its bytes; the export's line decoder reads with it too.
    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func error(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: index) }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
            guard index < bytes.count else { throw error("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw error("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
            }
        }

        mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw error("unexpected end of input") }
            for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] {
                throw error("invalid literal")
            }
            index += count
        }

        mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
            if depth > JSONParser.maximumDepth { throw error("nesting deeper than \(JSONParser.maximumDepth)") }
            index += 1
            var object: JSONObject = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
            while true {
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of input") }
                guard bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipWhitespace()
                object[key] = try parseValue(depth: depth)
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of input") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
                throw error("expected ',' or '}'")
            }
        }

        mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
            if depth > JSONParser.maximumDepth { throw error("nesting deeper than \(JSONParser.maximumDepth)") }
            index += 1
            var array: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
            while true {
                skipWhitespace()
                array.append(try parseValue(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of input") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
                throw error("expected ',' or ']'")
            }
        }

        mutating func parseString() throws(JSONParseError) -> String {
            try readString(keeping: true)!
        }

        /// Reads past a string, checking it as ``parseString()`` does, without making it: the caller has already
        /// checked that the bytes are UTF-8.
        mutating func skipString() throws(JSONParseError) {
            _ = try readString(keeping: false)
        }

        /// The string at the cursor (`nil` when not `keeping` it).
        private mutating func readString(keeping: Bool) throws(JSONParseError) -> String? {
            index += 1  // opening quote
            // Most strings have no escapes: find the closing quote and validate the run once.
            let end = bytes.baseAddress.map { index + JSONStringScan.plainRun($0, from: index, to: bytes.count) } ?? index
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                if !keeping {
                    index = end + 1
                    return nil
                }
                if let text = String(validating: UnsafeBufferPointer(rebasing: bytes[index..<end]), as: UTF8.self) {
                    index = end + 1
                    return text
                }
            }
            // Escapes, control characters, invalid UTF-8 or no closing quote: the general path decodes or says what is wrong.
            // Bytes accumulate as they are (escapes decoded to UTF-8) and are validated once at the end.
            let stringStart = index - 1
            var out: [UInt8] = []
            if keeping { out.reserveCapacity(max(16, end - index + 16)) }
            func append(_ scalar: Unicode.Scalar) { if keeping { out.append(contentsOf: UTF8.encode(scalar)!) } }
            func append(byte: UInt8) { if keeping { out.append(byte) } }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    guard keeping else { return nil }
                    guard let text = String(validating: out, as: UTF8.self) else {
                        throw JSONParseError(message: "invalid UTF-8 in string", offset: stringStart)
                    }
                    return text
                }
                if byte < 0x20 { throw error("unescaped control character in string") }
                guard byte == UInt8(ascii: "\\") else {
                    // A plain run, copied at once.
                    let run = max(1, JSONStringScan.plainRun(bytes.baseAddress!, from: index, to: bytes.count))
                    if keeping { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<(index + run)])) }
                    index += run
                    continue
                }
                index += 1
                guard index < bytes.count else { throw error("unexpected end of input") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): append(byte: UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): append(byte: UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): append(byte: UInt8(ascii: "/"))
                case UInt8(ascii: "b"): append(byte: 0x08)
                case UInt8(ascii: "f"): append(byte: 0x0C)
                case UInt8(ascii: "n"): append(byte: 0x0A)
                case UInt8(ascii: "r"): append(byte: 0x0D)
                case UInt8(ascii: "t"): append(byte: 0x09)
                case UInt8(ascii: "u"):
                    let high = try parseHex4()
                    if (0xD800...0xDBFF).contains(high) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw error("lone surrogate in string") }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("lone surrogate in string") }
                        append(Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!)
                    } else if (0xDC00...0xDFFF).contains(high) {
                        throw error("lone surrogate in string")
                    } else {
                        append(Unicode.Scalar(high)!)
                    }
                default: throw error("invalid escape in string")
                }
            }
            throw error("unterminated string")
        }

        mutating func parseHex4() throws(JSONParseError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("unexpected end of input") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw error("invalid \\u escape")
                }
                value = value * 16 + digit
                index += 1
            }
            return value
        }

        mutating func parseNumber() throws(JSONParseError) -> JSONValue {
            let start = index
            var isInteger = true
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
                if index < bytes.count, isDigit(bytes[index]) { throw error("leading zero in number") }
            } else {
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                isInteger = false
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                isInteger = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            // Integers of up to 19 digits cannot overflow UInt64: accumulate them without a string, then see whether
            // they fit Int64 (nanosecond times have 19).
            let negative = bytes[start] == UInt8(ascii: "-")
            let digitsStart = negative ? start + 1 : start
            if isInteger, index - digitsStart <= 19 {
                var magnitude: UInt64 = 0
                for position in digitsStart..<index { magnitude = magnitude * 10 + UInt64(bytes[position] - UInt8(ascii: "0")) }
                if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
                if negative, magnitude <= Int64.min.magnitude { return .int(Int64(truncatingIfNeeded: 0 &- magnitude)) }
            }
            let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if isInteger, let value = Int64(literal) { return .int(value) }
            guard let value = Double(literal), value.isFinite else {
                throw JSONParseError(message: "number out of range", offset: start)
            }
            return .double(value)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    }
}
