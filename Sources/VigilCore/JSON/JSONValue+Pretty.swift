extension JSONValue {
    /// Indented JSON with keys in JCS order, for people reading CLI output. Scripts may parse it as usual.
    public var prettyText: String {
        var out = ""
        writePretty(into: &out, indent: 0)
        return out
    }

    private func writePretty(into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closing = String(repeating: "  ", count: indent)
        switch self {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += pad
                item.writePretty(into: &out, indent: indent + 1)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += closing + "]"
        case .object(let object) where !object.isEmpty:
            out += "{\n"
            let keys = JCS.sortedKeys(object)
            for (i, key) in keys.enumerated() {
                out += pad + JSONValue.string(key).canonicalText + ": "
                object[key]!.writePretty(into: &out, indent: indent + 1)
                out += i + 1 < keys.count ? ",\n" : "\n"
            }
            out += closing + "}"
        default:
            out += canonicalText
        }
    }
}
