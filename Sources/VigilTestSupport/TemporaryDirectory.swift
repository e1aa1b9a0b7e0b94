import Foundation
import Synchronization

/// A fresh directory under the system temporary directory, removed when the value is released (with whatever else was
/// tied to it: a test database is dropped then too).
public final class TemporaryDirectory: Sendable {
    public let path: String
    private let cleanups = Mutex<[@Sendable () -> Void]>([])

    public init(prefix: String = "vigil-test") throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    deinit {
        for cleanup in cleanups.withLock({ $0 }) { cleanup() }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Runs `cleanup` when the directory is released.
    public func onRelease(_ cleanup: @escaping @Sendable () -> Void) {
        cleanups.withLock { $0.append(cleanup) }
    }

    /// A path inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }
}
