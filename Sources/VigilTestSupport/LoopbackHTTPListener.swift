import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 listener on 127.0.0.1 for tests that need a real peer (webhooks): it records each request's
/// body and answers with a fixed status.
public final class LoopbackHTTPListener: Sendable {
    public let port: Int
    private let socket: Int32
    private let bodies = BodyLog()

    public init(status: Int = 200) throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        socket = fd
        // The accept thread owns the descriptor and closes it when accept fails (after `deinit` shut it down), so
        // the number cannot be reused by another listener while this thread might still accept on it.
        let thread = Thread { [bodies] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    close(fd)
                    return
                }
                var data = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = read(client, &buffer, buffer.count)
                    if n <= 0 { break }
                    data.append(contentsOf: buffer[0..<n])
                    let text = String(decoding: data, as: UTF8.self)
                    if let split = text.range(of: "\r\n\r\n") {
                        let header = text[..<split.lowerBound].lowercased()
                        let length = header.split(separator: "\r\n")
                            .first { $0.hasPrefix("content-length:") }
                            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                        let body = String(text[split.upperBound...])
                        if body.utf8.count >= length {
                            bodies.mutex.withLock { $0.append(body) }
                            break
                        }
                    }
                }
                let reply = "HTTP/1.1 \(status) X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                _ = reply.withCString { write(client, $0, strlen($0)) }
                close(client)
            }
        }
        thread.start()
    }

    /// Wakes the accept thread, which then closes the socket.
    deinit {
        shutdown(socket, Int32(SHUT_RDWR))
    }

    /// The request bodies received so far.
    public var receivedBodies: [String] { bodies.mutex.withLock { $0 } }

    /// Waits until `condition` holds on the received bodies, polling every 20 ms, up to `deadline` seconds (generous:
    /// under a full parallel test run on two cores a delivery can take seconds).
    public func waitFor(deadline: TimeInterval = 30, _ condition: ([String]) -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(deadline)
        while Date() < end {
            if condition(receivedBodies) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(receivedBodies)
    }
}

/// The request bodies a listener has received, shared with its accept thread.
private final class BodyLog: Sendable {
    let mutex = Mutex<[String]>([])
}
