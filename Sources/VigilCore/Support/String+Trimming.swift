import Foundation

extension String {
    /// The string without leading and trailing whitespace and newlines, exactly as
    /// `trimmingCharacters(in: .whitespacesAndNewlines)`, but without Foundation's work when both ends are plain
    /// ASCII non-space characters (nearly every identifier and argument a tool call carries).
    public var trimmedOfWhitespace: String {
        guard let first = utf8.first, let last = utf8.last else { return self }
        if Self.isPlainASCII(first), Self.isPlainASCII(last) { return self }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// An ASCII byte that is not whitespace (tab through carriage return, and space).
    private static func isPlainASCII(_ byte: UInt8) -> Bool {
        byte < 0x80 && byte != 0x20 && !(0x09...0x0D).contains(byte)
    }
}
