import Foundation
import Synchronization

/// A child process whose output is read line by line while it runs, for end-to-end tests that wait on what it
/// prints (with a deadline, never a fixed sleep).
final class RunningProcess: Sendable {
    private let process: Process
    private let output = OutputLog()

    init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = self.output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { output.text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        }
        try process.run()
        self.process = process
    }

    var text: String { output.text.withLock { $0 } }
    var isRunning: Bool { process.isRunning }
    var exitCode: Int32 { process.terminationStatus }

    /// Waits until a line matching `predicate` appears; returns it, or `nil` at the deadline or if the process ends.
    func waitForLine(timeout: TimeInterval, _ predicate: (String) -> Bool) async -> String? {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if let line = text.split(separator: "\n").map(String.init).first(where: predicate) { return line }
            if !process.isRunning { return text.split(separator: "\n").map(String.init).first(where: predicate) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Waits for the process to exit; `false` at the deadline.
    func waitForExit(timeout: TimeInterval) async -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < end { try? await Task.sleep(for: .milliseconds(50)) }
        return !process.isRunning
    }

    func terminate() { if process.isRunning { process.terminate() } }

    deinit { terminate() }
}

private final class OutputLog: Sendable {
    let text = Mutex("")
}
