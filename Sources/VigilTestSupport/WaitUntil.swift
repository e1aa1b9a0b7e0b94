import Foundation

/// Polls `condition` every 20 ms until it holds or `timeout` seconds pass: a test waits on what it needs, never on a
/// guess of how long that takes. Returns whether it held.
public func waitUntil(timeout: TimeInterval, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return true }
        if Date() >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(20))
    }
}
