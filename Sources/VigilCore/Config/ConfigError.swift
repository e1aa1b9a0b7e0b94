/// A problem in `config.toml`. Start-up stops on any of these; the message names the key to fix.
public enum ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The file is not valid TOML.
    case syntax(path: String, detail: String)
    /// A key has a wrong value; `key` is a dotted path such as `policies[0].rules[1].when.op`.
    case invalid(key: String, message: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read the configuration file \(path): \(reason)"
        case .syntax(let path, let detail):
            return "\(path) is not valid TOML: \(detail)"
        case .invalid(let key, let message):
            return "configuration error at \(key): \(message)"
        }
    }
}
