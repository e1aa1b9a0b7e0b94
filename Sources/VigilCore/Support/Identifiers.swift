import Foundation

/// Generators for the identifiers vigil hands out (TraceMem spec §1).
public enum Identifiers {
    private static let crockford = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// A ULID: 48 bits of milliseconds then 80 random bits, as 26 upper-case Crockford base32 characters.
    public static func ulid(at date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - i))) }
        let random = (generator.next() as UInt64, generator.next() as UInt64)
        for i in 6..<14 { bytes[i] = UInt8(truncatingIfNeeded: random.0 >> (8 * (i - 6))) }
        for i in 14..<16 { bytes[i] = UInt8(truncatingIfNeeded: random.1 >> (8 * (i - 14))) }
        // 128 bits → 26 characters of 5 bits; the first character carries only 3 bits.
        var value = (UInt64(0), UInt64(0))
        for i in 0..<8 { value.0 = value.0 << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { value.1 = value.1 << 8 | UInt64(bytes[i]) }
        var chars = [Character](repeating: "0", count: 26)
        for position in 0..<26 {
            let shift = (25 - position) * 5  // bit offset from the least significant end
            let index: UInt64
            if shift >= 64 {
                index = (value.0 >> UInt64(shift - 64)) & 0x1F
            } else if shift + 5 <= 64 {
                index = (value.1 >> UInt64(shift)) & 0x1F
            } else {
                let lowBits = 64 - shift
                index = ((value.1 >> UInt64(shift)) | (value.0 << UInt64(lowBits))) & 0x1F
            }
            chars[position] = crockford[Int(index)]
        }
        return String(chars)
    }

    /// A lowercase UUIDv4.
    public static func uuid() -> String { UUID().uuidString.lowercased() }

    public static func decisionID(at date: Date) -> String { "TMEM_" + ulid(at: date) }
    public static func eventID(at date: Date) -> String { "evt_" + ulid(at: date) }
    public static func approvalID(at date: Date) -> String { "appr_" + ulid(at: date) }
}
