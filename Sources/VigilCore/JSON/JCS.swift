/// RFC 8785 JSON Canonicalization Scheme (JCS) serialization.
///
/// Object keys are sorted by UTF-16 code units, there is no whitespace, strings use the minimal escapes, and numbers
/// use ECMAScript's `Number.prototype.toString` formatting. vigil uses this one serializer for every JSON it writes,
/// so what it hashes, signs, stores and returns are the same bytes.
extension JSONValue {
    /// The canonical (JCS) text of this value.
    public var canonicalText: String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        JCS.write(self, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The canonical (JCS) UTF-8 bytes of this value.
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        JCS.write(self, into: &out)
        return out
    }
}

/// The JCS writer and ECMAScript number formatting.
public enum JCS {
    /// - Parameter exactIntegers: print every integer with all its digits, where JCS prints those past 2^53 as the
    ///   nearest double does (vigil's export, whose nanosecond times need every digit; never what is hashed).
    static func write(_ value: JSONValue, into out: inout [UInt8], exactIntegers: Bool = false) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i):
            // Integers a double holds exactly print as their digits, which is what ECMAScript's formatting gives them;
            // larger ones go through the double, as JCS requires (what a JavaScript verifier would print).
            if exactIntegers || i.magnitude <= 1 << 53 {
                writeDigits(i, into: &out)
            } else {
                out.append(contentsOf: formatNumber(Double(i)).utf8)
            }
        case .double(let d): out.append(contentsOf: formatNumber(d).utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, element) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out, exactIntegers: exactIntegers)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, key) in sortedKeys(o).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(o[key]!, into: &out, exactIntegers: exactIntegers)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A double as ``formatNumber(_:)`` writes it, whole numbers a double holds exactly written digit by digit (the
    /// same text, without making a string).
    package static func writeDouble(_ value: Double, into out: inout [UInt8]) {
        if value == value.rounded(.towardZero), value.magnitude < 9_007_199_254_740_992 {
            writeDigits(Int64(value), into: &out)
        } else {
            out.append(contentsOf: formatNumber(value).utf8)
        }
    }

    /// An integer's decimal digits, every one of them.
    package static func writeDigits(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 20 digits, least significant first
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[index]) }
        }
    }

    /// Keys in JCS order: by UTF-16 code units.
    public static func sortedKeys(_ object: JSONObject) -> [String] {
        object.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func writeString(_ string: String, into out: inout [UInt8]) {
        var string = string
        string.withUTF8 { writeString(bytes: $0, into: &out) }
    }

    /// A string given as its UTF-8 bytes, quoted and escaped.
    package static func writeString(bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if let base = bytes.baseAddress {
            var index = 0
            while true {
                let run = JSONStringScan.plainRun(base, from: index, to: bytes.count)
                out.append(contentsOf: UnsafeBufferPointer(start: base + index, count: run))
                index += run
                guard index < bytes.count else { break }
                let byte = base[index]
                index += 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                default:
                    out.append(UInt8(ascii: "u"))
                    out.append(UInt8(ascii: "0"))
                    out.append(UInt8(ascii: "0"))
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0xF)])
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Formats a finite double as ECMAScript's `Number.prototype.toString` does (ECMA-262 §6.1.6.1.20).
    ///
    /// Swift's `description` already yields the shortest round-tripping digits; this re-lays them out in
    /// ECMAScript's notation (plain up to 1e21, exponent form beyond, `e-7` and below for small values).
    public static func formatNumber(_ value: Double) -> String {
        precondition(value.isFinite, "JSON numbers are finite")
        if value == 0 { return "0" }
        if value < 0 { return "-" + formatNumber(-value) }
        // Decompose Swift's shortest representation into digits and a decimal exponent.
        let text = value.description  // e.g. "100.0", "1e-07", "1.2345e+20"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        var digits = ""
        var pointPosition = mantissa.count
        if let dot = mantissa.firstIndex(of: ".") {
            pointPosition = mantissa.distance(from: mantissa.startIndex, to: dot)
            digits = String(mantissa[..<dot]) + String(mantissa[mantissa.index(after: dot)...])
        } else {
            digits = String(mantissa)
        }
        // Strip leading zeros (moving the point) and trailing zeros.
        while digits.first == "0" { digits.removeFirst(); pointPosition -= 1 }
        while digits.last == "0" { digits.removeLast() }
        let k = digits.count
        let n = pointPosition + exponent  // value = 0.digits × 10^n
        if k <= n && n <= 21 {
            return digits + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            let split = digits.index(digits.startIndex, offsetBy: n)
            return String(digits[..<split]) + "." + String(digits[split...])
        }
        if -6 < n && n <= 0 {
            return "0." + String(repeating: "0", count: -n) + digits
        }
        let e = n - 1
        let sign = e < 0 ? "-" : "+"
        let head = String(digits.first!)
        let tail = String(digits.dropFirst())
        return head + (tail.isEmpty ? "" : "." + tail) + "e" + sign + String(abs(e))
    }
}
