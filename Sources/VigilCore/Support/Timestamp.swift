import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// RFC 3339 timestamps in the one form vigil writes: UTC, milliseconds, `Z` (`2026-01-07T10:00:00.000Z`).
///
/// Strings of this form sort in time order, which the store relies on.
public enum Timestamp {
    /// Formats `date` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public static func format(_ date: Date) -> String {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(totalMillis >= 0 ? totalMillis / 1000 : (totalMillis - 999) / 1000)
        let millis = Int(totalMillis - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Digits by hand: String(format:) goes through Foundation's formatter and showed up in request profiles.
        var out = [UInt8]()
        out.reserveCapacity(24)
        func digits(_ value: Int, _ width: Int) {
            var v = value
            var buffer = [UInt8](repeating: 48, count: width)
            for i in stride(from: width - 1, through: 0, by: -1) {
                buffer[i] = UInt8(48 + v % 10)
                v /= 10
            }
            out.append(contentsOf: buffer)
        }
        digits(Int(parts.tm_year) + 1900, 4)
        out.append(45)  // -
        digits(Int(parts.tm_mon) + 1, 2)
        out.append(45)
        digits(Int(parts.tm_mday), 2)
        out.append(84)  // T
        digits(Int(parts.tm_hour), 2)
        out.append(58)  // :
        digits(Int(parts.tm_min), 2)
        out.append(58)
        digits(Int(parts.tm_sec), 2)
        out.append(46)  // .
        digits(millis, 3)
        out.append(90)  // Z
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses any RFC 3339 date-time (`T` or space separator, optional fraction, `Z` or `±HH:MM`).
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<(from + count)] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 20,
            let year = number(0, 4), bytes[4] == UInt8(ascii: "-"),
            let month = number(5, 2), bytes[7] == UInt8(ascii: "-"),
            let day = number(8, 2),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
            let hour = number(11, 2), bytes[13] == UInt8(ascii: ":"),
            let minute = number(14, 2), bytes[16] == UInt8(ascii: ":"),
            let second = number(17, 2)
        else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24,
            minute < 60, second <= 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            if index == start { return nil }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = bytes[index] == UInt8(ascii: "+") ? 1 : -1
            guard let oh = number(index + 1, 2), index + 3 < bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                let om = number(index + 4, 2), oh < 24, om < 60
            else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
            index += 6
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86400 + hour * 3600 + minute * 60 + min(second, 59) - offsetSeconds)
        return Date(timeIntervalSince1970: seconds + fraction)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}

extension Timestamp {
    /// A stored RFC 3339 time as a person reads it in a detail: local time to the millisecond with the offset,
    /// `2026-01-07 10:59:48.000 +01:00` (never a nanosecond ISO string); text that does not parse is returned as is.
    public static func local(_ text: String, in zone: TimeZone = .current) -> String {
        guard let date = parse(text) else { return text }
        return local(date, in: zone)
    }

    public static func local(_ date: Date, in zone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let offset = zone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2)) \(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))."
            + pad((c.nanosecond ?? 0) / 1_000_000, 3) + " \(sign)\(pad(minutes / 60, 2)):\(pad(minutes % 60, 2))"
    }
}
