import Foundation

/// A child process whose output is read line by line while it runs, for end-to-end tests that wait on what it
/// prints (with a deadline, never a fixed sleep). stdout and stderr are one log.
final class RunningProcess: Sendable {
    private let child: SpawnedChild

    init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
        child = try SpawnedChild(executable, arguments, environment: environment, mergeOutput: true)
    }

    var text: String { child.stdout }
    var isRunning: Bool { child.exitStatus == nil }
    var exitCode: Int32 { child.exitStatus ?? -1 }

    /// Waits until a line matching `predicate` appears; returns it, or `nil` at the deadline or if the process ends.
    func waitForLine(timeout: TimeInterval, _ predicate: (String) -> Bool) async -> String? {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if let line = text.split(separator: "\n").map(String.init).first(where: predicate) { return line }
            if !isRunning {
                try? await Task.sleep(for: .milliseconds(50))  // the last output may still be on its way
                return text.split(separator: "\n").map(String.init).first(where: predicate)
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Waits for the process to exit; `false` at the deadline.
    func waitForExit(timeout: TimeInterval) async -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while isRunning, Date() < end { try? await Task.sleep(for: .milliseconds(50)) }
        if !isRunning { try? await Task.sleep(for: .milliseconds(50)) }  // let the reader drain the pipe
        return !isRunning
    }

    func terminate() { child.terminate() }

    /// SIGKILL: the process dies at once, as in a crash.
    func kill() { child.kill() }

    deinit { terminate() }
}
