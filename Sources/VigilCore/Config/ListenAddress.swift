import Foundation

/// `HOST:PORT` where an endpoint listens, as config (`tracemem.listen_addr`, `membrane.listen_addr`) and the command
/// line (`--mcp`, `--grpc`) give it: `127.0.0.1:7420`, `localhost:0` (any free port), `[::1]:9090`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `nil` unless `text` is a host, a colon and a port in 0...65535.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    /// Only this machine can connect.
    public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }

    /// `host:port`, with an IPv6 host in brackets.
    public var description: String { "\(urlHost):\(port)" }

    /// The host as a URL writes it (IPv6 in brackets).
    public var urlHost: String { host.contains(":") ? "[\(host)]" : host }
}
