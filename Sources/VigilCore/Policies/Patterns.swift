import Foundation
import Synchronization

/// Compiled regular expressions for the `matches` and `glob` policy operators, each compiled once per process.
final class PatternCache: Sendable {
    static let shared = PatternCache()

    private let compiled = Mutex<[String: Compiled]>([:])

    /// `NSRegularExpression` is immutable and documented thread-safe for matching; the box says so to Swift.
    private struct Compiled: @unchecked Sendable {
        let regex: NSRegularExpression?
        let problem: String?
    }

    private func compile(_ pattern: String) -> Compiled {
        if let cached = compiled.withLock({ $0[pattern] }) { return cached }
        let entry: Compiled
        do {
            entry = Compiled(regex: try NSRegularExpression(pattern: pattern), problem: nil)
        } catch {
            entry = Compiled(regex: nil, problem: "\(error.localizedDescription)")
        }
        compiled.withLock { cache in
            if cache.count > 4096 { cache.removeAll() }
            cache[pattern] = entry
        }
        return entry
    }

    /// The compiled pattern, `nil` when it does not compile.
    func regex(_ pattern: String) -> NSRegularExpression? { compile(pattern).regex }

    /// Why `pattern` does not compile, `nil` when it does.
    func problem(_ pattern: String) -> String? {
        let entry = compile(pattern)
        return entry.regex == nil ? (entry.problem ?? "invalid pattern") : nil
    }
}

/// Path globs: `*` and `?` stay within one segment, `**` crosses segments (`**/` also matches no directory at all),
/// `[abc]` is a character class; everything else is literal. The whole path must match.
public enum Glob {
    public static func matches(_ glob: String, _ path: String) -> Bool {
        guard let regex = PatternCache.shared.regex(regexPattern(glob)) else { return false }
        return regex.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) != nil
    }

    /// The anchored regular expression a glob stands for.
    static func regexPattern(_ glob: String) -> String {
        var pattern = "^"
        let characters = Array(glob)
        var index = 0
        while index < characters.count {
            let c = characters[index]
            switch c {
            case "*":
                if index + 1 < characters.count, characters[index + 1] == "*" {
                    if index + 2 < characters.count, characters[index + 2] == "/" {
                        pattern += "(?:.*/)?"
                        index += 3
                    } else {
                        pattern += ".*"
                        index += 2
                    }
                    continue
                }
                pattern += "[^/]*"
            case "?":
                pattern += "[^/]"
            case "[":
                if let close = characters[(index + 1)...].firstIndex(of: "]") {
                    let body = String(characters[(index + 1)..<close]).replacingOccurrences(of: "\\", with: "\\\\")
                    pattern += "[" + (body.hasPrefix("!") ? "^" + body.dropFirst() : Substring(body)) + "]"
                    index = close + 1
                    continue
                }
                pattern += "\\["
            default:
                pattern += NSRegularExpression.escapedPattern(for: String(c))
            }
            index += 1
        }
        return pattern + "$"
    }
}
