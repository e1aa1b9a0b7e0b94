import Foundation
import Testing

/// Runs the built `vigil` executable, as a user would, and captures what it prints.
struct VigilProcess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `vigil` binary next to the test bundle (`swift build` puts both in the same directory).
    static var binary: String {
        if let override = ProcessInfo.processInfo.environment["VIGIL_BINARY"] { return override }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("vigil").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return ".build/debug/vigil"
    }

    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// Runs `vigil arguments…` with a private HOME and XDG directories under `home`.
    static func run(
        _ arguments: [String], home: String, stdin: String? = nil, extraEnvironment: [String: String] = [:]
    ) async throws -> Output {
        let environment = [
            "HOME": home, "XDG_DATA_HOME": home + "/data", "XDG_CONFIG_HOME": home + "/config", "USER": "tester",
            "PATH": "/usr/bin:/bin", "NO_COLOR": "1",
        ].merging(extraEnvironment) { $1 }
        let child = try SpawnedChild(binary, arguments, environment: environment, stdin: stdin ?? "")
        let status = await child.exited()
        return Output(status: status, stdout: child.stdout, stderr: child.stderr)
    }
}
