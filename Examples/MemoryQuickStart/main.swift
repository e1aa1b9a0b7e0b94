// The Membrane quick start in Swift: ingest a memory, retrieve it for a task, reinforce it.
//
//   MEMBRANE_ADDR=127.0.0.1:9090 MEMBRANE_API_KEY=vgl_… swift run MemoryQuickStart
import Foundation
import VigilSDK

let environment = ProcessInfo.processInfo.environment

do {
    let memory = try MembraneClient(
        address: environment["MEMBRANE_ADDR"] ?? "127.0.0.1:9090", apiKey: environment["MEMBRANE_API_KEY"], source: "swift-quickstart")
    let event = try await memory.ingestEvent(eventKind: "user_message", ref: "msg-1", summary: "The user prefers dark mode", tags: ["ui"])
    print("ingested \(event.type.rawValue) \(event.id)")
    let fact = try await memory.ingestObservation(subject: "user", predicate: "prefers", object: "dark mode", sensitivity: .low)
    print("ingested \(fact.type.rawValue) \(fact.id)")

    let found = try await memory.retrieve("dark mode", trust: TrustContext(maxSensitivity: .medium), limit: 5)
    for record in found {
        print(String(format: "  %@ %@ salience %.2f", record.type.rawValue, record.id, record.salience))
    }
    try await memory.reinforce(event.id, actor: "swift-quickstart", rationale: "it answered the question")
    let after = try await memory.retrieveByID(event.id, trust: TrustContext(maxSensitivity: .medium))
    print(String(format: "reinforced %@: salience %.2f, %d audit entries", after.id, after.salience, after.auditLog.count))
    await memory.close()
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
