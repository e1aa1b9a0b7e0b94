extension JSONValue {
    /// Indented JSON with keys in JCS order, for people reading CLI output. Scripts may parse it as usual.
    public var prettyText: String {
        var out = ""
        writePretty(into: &out, indent: 0, path: "", order: JSONKeyOrder(), preferred: [])
        return out
    }

    /// Indented JSON whose objects keep the key order `order` has for their path (a file as it was written); keys it
    /// does not know follow, `preferred` ones first.
    public func prettyText(keeping order: JSONKeyOrder, preferred: [String] = []) -> String {
        var out = ""
        writePretty(into: &out, indent: 0, path: "", order: order, preferred: preferred)
        return out
    }

    private func writePretty(into out: inout String, indent: Int, path: String, order: JSONKeyOrder, preferred: [String]) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closing = String(repeating: "  ", count: indent)
        switch self {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += pad
                item.writePretty(into: &out, indent: indent + 1, path: path + "/\(i)", order: order, preferred: preferred)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += closing + "]"
        case .object(let object) where !object.isEmpty:
            out += "{\n"
            let keys = order.orders.isEmpty && preferred.isEmpty ? JCS.sortedKeys(object) : order.keys(of: object, at: path, preferred: preferred)
            for (i, key) in keys.enumerated() {
                out += pad + JSONValue.string(key).canonicalText + ": "
                object[key]!.writePretty(into: &out, indent: indent + 1, path: path + JSONKeyOrder.step(key), order: order, preferred: preferred)
                out += i + 1 < keys.count ? ",\n" : "\n"
            }
            out += closing + "}"
        default:
            out += canonicalText
        }
    }
}
