// The TraceMem quick start in Swift: open a decision for an action, add a note, close it.
//
//   TRACEMEM_MCP_URL=http://127.0.0.1:7420 TRACEMEM_API_KEY=vgl_… swift run DecisionQuickStart
import Foundation
import VigilSDK

let environment = ProcessInfo.processInfo.environment
guard let key = environment["TRACEMEM_API_KEY"] else {
    FileHandle.standardError.write(Data("set TRACEMEM_API_KEY (create one with `vigil agents add NAME --grant '*'`)\n".utf8))
    exit(64)
}

do {
    try await TraceMemClient.withSession(apiKey: key, mcpURL: environment["TRACEMEM_MCP_URL"] ?? "http://127.0.0.1:7420") { client in
        let decision = try await client.open(action: "refactor", automationMode: "propose", metadata: ["project": "vigil"])
        print("opened \(decision.id)")
        try await decision.note(kind: "info", message: "Starting the refactoring", data: ["files": ["Store.swift"]])
        let closed = try await decision.close(outcome: .commit, reason: "Refactoring completed")
        print("closed \(decision.id): \(closed.status)")
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
