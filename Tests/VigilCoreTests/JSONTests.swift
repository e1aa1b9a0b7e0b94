import Foundation
import Testing
import VigilCore

@Suite("JSON parsing and canonical serialization (RFC 8785)")
struct JSONTests {
    @Test("ECMAScript number formatting matches RFC 8785's examples", arguments: [
        (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.5, "-1.5"), (100.0, "100"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
        (123456789012345680000.0, "123456789012345680000"), (0.000001, "0.000001"), (0.0000001, "1e-7"),
        (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (4.50, "4.5"), (2e-3, "0.002"),
        (0.1 + 0.2, "0.30000000000000004"), (9007199254740992.0, "9007199254740992"), (1.5e300, "1.5e+300"),
        (-3.25e-10, "-3.25e-10"), (333333333.3333333, "333333333.3333333"),
    ])
    func numbers(value: Double, expected: String) {
        #expect(JCS.formatNumber(value) == expected)
    }

    @Test("objects sort keys by UTF-16 code units and strings use minimal escapes")
    func canonicalText() throws {
        let value = try JSONParser.parse(#"{"b":[1,2.50,"\u0001\n\"é"],"a":{"z":null,"\u20ac":true,"\ud83d\ude00":false,"\ufb33":1}}"#)
        #expect(value.canonicalText == #"{"a":{"z":null,"€":true,"😀":false,"דּ":1},"b":[1,2.5,"\u0001\n\"é"]}"#)
    }

    @Test("integers and doubles stay distinct but compare numerically")
    func numberKinds() throws {
        #expect(try JSONParser.parse("42") == .int(42))
        #expect(try JSONParser.parse("42.0") == .double(42))
        #expect(JSONValue.int(1) == JSONValue.double(1.0))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try JSONParser.parse("1e3").integerValue == 1000)
        // Up to 19 digits take the direct path; longer ones are parsed from text, and past Int64 become doubles.
        #expect(try JSONParser.parse("-999999999999999999") == .int(-999_999_999_999_999_999))
        #expect(try JSONParser.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONParser.parse("1796620900137235001") == .int(1_796_620_900_137_235_001))
        guard case .double(let under) = try JSONParser.parse("-9223372036854775809"), case .double(let nineteen) = try JSONParser.parse("9999999999999999999") else {
            Issue.record("past Int64 is not a double"); return
        }
        #expect(under == -9_223_372_036_854_775_809.0 && nineteen == 9_999_999_999_999_999_999.0)
        #expect(try JSONParser.parse("[-0,0,7]") == .array([.int(0), .int(0), .int(7)]))
        // Integers print as ECMAScript prints the double they are: exact digits up to 2^53, rounded beyond.
        for value: Int64 in [0, -42, 1 << 53, -(1 << 53), (1 << 53) + 1, 1_796_620_900_137_235_001, Int64.min, Int64.max] {
            #expect(JSONValue.int(value).canonicalText == JCS.formatNumber(Double(value)), "\(value)")
        }
        guard case .double(let big) = try JSONParser.parse("9223372036854775808") else { Issue.record("not a double"); return }
        #expect(big == 9_223_372_036_854_775_808.0)
    }

    @Test("malformed JSON is refused with its offset", arguments: [
        "{", "[1,]", "{\"a\" 1}", "01", "\"\\x\"", "tru", "1 2", "\"\\ud800\"", "1e999", "", "\"abc", "\"a\u{01}b\"", "{\"a\":\"b}",
    ])
    func malformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test("invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes: [0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("parse then serialize is stable")
    func roundTrip() throws {
        let text = #"{"a":[true,false,null,-0.5,"x"],"b":{"c":"\u2028"}}"#
        let once = try JSONParser.parse(text).canonicalText
        #expect(try JSONParser.parse(once).canonicalText == once)
        #expect(try JSONParser.parse(JSONParser.parse(text).prettyText) == JSONParser.parse(text))
    }
}

@Suite("Writing numbers without making strings")
struct JCSNumberTests {
    @Test("a double is written as formatNumber writes it, whole or not, large or small")
    func doubles() {
        for value in [0.0, -0.0, 1, -1, 0.5, 0.8, 3, -3, 123.456, 9_007_199_254_740_991, 9_007_199_254_740_992, 1e21, 1e22, 1e-7, 0.000001, 1.5e300, -2.5e-300] {
            var out: [UInt8] = []
            JCS.writeDouble(value, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == JCS.formatNumber(value), "\(value)")
        }
        for value: Int64 in [0, 7, -7, 10, Int64.min, Int64.max] {
            var out: [UInt8] = []
            JCS.writeDigits(value, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(value))
        }
    }
}

@Suite("Finding the end of a JSON string's plain run")
struct JSONStringScanTests {
    @Test("eight bytes at a time finds the same first quote, backslash or control byte as one at a time, wherever it is")
    func agreesWithBytewise() {
        var generator = SystemRandomNumberGenerator()
        let special: [UInt8] = [0x00, 0x1F, 0x0A, UInt8(ascii: "\""), UInt8(ascii: "\\")]
        // Bytes that resemble the special ones (0x20, 0x21, 0x23, 0x5B, 0x5D, 0xA2, 0xDC, 0x9F) must not stop the run.
        let plain: [UInt8] = [0x20, 0x21, 0x23, 0x5B, 0x5D, 0xA2, 0xDC, 0x9F, 0x7F, 0xFF, UInt8(ascii: "a")]
        for _ in 0..<2000 {
            let count = Int.random(in: 0...40, using: &generator)
            var bytes = (0..<count).map { _ in plain.randomElement(using: &generator)! }
            if count > 0, Bool.random(using: &generator) {
                bytes[Int.random(in: 0..<count, using: &generator)] = special.randomElement(using: &generator)!
            }
            let start = count > 0 ? Int.random(in: 0..<count, using: &generator) : 0
            let expected = (bytes[start...].firstIndex { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") } ?? count) - start
            let found = bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.map { JSONStringScan.plainRun($0, from: start, to: count) } ?? 0
            }
            #expect(found == expected, "\(bytes) from \(start)")
        }
    }
}

@Suite("Timestamps and identifiers")
struct TimestampTests {
    @Test("formats UTC with milliseconds and parses RFC 3339 with offsets")
    func timestamps() {
        let date = Date(timeIntervalSince1970: 1_767_780_000.123)
        #expect(Timestamp.format(date) == "2026-01-07T10:00:00.123Z")
        #expect(Timestamp.parse("2026-01-07T10:00:00.123Z")!.timeIntervalSince1970 == 1_767_780_000.123)
        #expect(Timestamp.parse("2026-01-07T12:00:00+02:00")!.timeIntervalSince1970 == 1_767_780_000)
        #expect(Timestamp.parse("2026-02-30T00:00:00Z") == nil)
        #expect(Timestamp.parse("yesterday") == nil)
    }

    @Test("ULIDs are 26 Crockford characters and sort by time")
    func ulids() {
        let a = Identifiers.ulid(at: Date(timeIntervalSince1970: 1000))
        let b = Identifiers.ulid(at: Date(timeIntervalSince1970: 2000))
        #expect(a.count == 26 && b.count == 26)
        #expect(a < b)
        #expect(a.allSatisfy { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) })
        #expect(Identifiers.decisionID(at: Date()).hasPrefix("TMEM_"))
    }
}

@Suite("Trimming")
struct TrimmingTests {
    @Test("trimmedOfWhitespace agrees with Foundation's whitespacesAndNewlines trim", arguments: [
        "", " ", "abc", " abc", "abc ", "\tabc\n", "a b", "\u{00A0}abc", "abc\u{3000}", "\u{2028}x\u{2029}",
        "é", " é ", "x\u{0085}", "\r\n", "ab\u{000B}", "\u{000C}ab", "日本", " 日本\u{2003}", "a\u{200B}",
    ])
    func agreesWithFoundation(_ text: String) {
        #expect(text.trimmedOfWhitespace == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
