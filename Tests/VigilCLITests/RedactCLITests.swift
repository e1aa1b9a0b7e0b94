import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// `vigil decisions redact`, then `verify`, `receipts verify` offline with the exported trace, the real binary.
@Suite("vigil decisions redact", .enabled(if: VigilProcess.isAvailable))
struct RedactCLITests {
    @Test("redact a value; verify reports the event redacted and the chain intact; the offline check with the trace passes")
    func redactAndVerify() async throws {
        let home = try TemporaryDirectory()
        let f = try DecisionFixture(store: .sqlite, now: Date())
        let id = try f.open()
        try f.call("decision_add_context", ["decision_id": .string(id), "context": ["customer": ["contact": "ada@example.org"]]])
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        try DecisionFixture.configTOML.write(toFile: home.file("config.toml"), atomically: true, encoding: .utf8)
        let common = ["--db", f.databasePath, "--config", home.file("config.toml")]
        let seq = try #require(f.events(id).first { $0["context"] != nil }?["seq"]?.integerValue)

        let redacted = try await VigilProcess.run(
            ["decisions", "redact", id, "--event", "\(seq)", "--path", "$.context.customer.contact", "--rationale", "GDPR #4411",
             "--operator", "alice"] + common, home: home.path)
        #expect(redacted.status == 0, "\(redacted.stderr)")
        #expect(redacted.stdout.contains("redacted $.context.customer.contact in event \(seq)"), "\(redacted.stdout)")

        let verify = try await VigilProcess.run(["decisions", "verify", id] + common, home: home.path)
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.hasPrefix("intact:") && verify.stdout.contains("event \(seq): $.context.customer.contact redacted by alice"),
                "\(verify.stdout)")

        for (name, arguments) in [("r.json", ["decisions", "receipt", id]), ("t.json", ["decisions", "trace", id, "--json"]),
                                  ("keys.json", ["receipts", "public-key", "--json"])] {
            let out = try await VigilProcess.run(arguments + common, home: home.path)
            #expect(out.status == 0, "\(arguments): \(out.stderr)")
            try out.stdout.write(toFile: home.file(name), atomically: true, encoding: .utf8)
        }
        let offline = try await VigilProcess.run(
            ["receipts", "verify", home.file("r.json"), "--public-key", home.file("keys.json"), "--trace", home.file("t.json")],
            home: home.path)
        #expect(offline.status == 0, "\(offline.stdout)\(offline.stderr)")
        #expect(offline.stdout.contains("event \(seq): $.context.customer.contact redacted by alice"), "\(offline.stdout)")
        #expect(!(try String(contentsOfFile: home.file("t.json"), encoding: .utf8)).contains("ada@example.org"))

        let chainField = try await VigilProcess.run(
            ["decisions", "redact", id, "--event", "1", "--path", "$.prev_hash", "--rationale", "no"] + common, home: home.path)
        #expect(chainField.status == 1 && chainField.stderr.contains("cannot be redacted"), "\(chainField.stderr)")
    }
}
