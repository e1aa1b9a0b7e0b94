import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// Whether python3 has `cryptography` (`.ci/run` installs it).
let pythonCryptographyAvailable = pythonCanImport("cryptography")

/// Receipts checked with no vigil store: by `vigil receipts verify --public-key` and by the README's few lines of
/// Python, against a receipt from the real binary; each change to a value the receipt states must fail both.
@Suite("Receipts anyone can verify offline", .enabled(if: VigilProcess.isAvailable), .timeLimit(.minutes(3)))
struct ReceiptOfflineTests {
    /// A committed decision's receipt, its exported trace and the published keys, as files.
    struct Exported {
        let setup: CLITests.Setup
        let id: String
        let receipt: JSONValue
        let receiptPath: String
        let tracePath: String
        let keysPath: String

        init() async throws {
            setup = try CLITests.Setup()
            let f = setup.fixture
            id = try f.open()
            try f.call("decision_add_context", ["decision_id": .string(id), "context": ["ticket": "T-1", "amount": 12.5]])
            try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
            let receiptText = try await setup.vigil(["decisions", "receipt", id]).stdout
            receipt = try JSONParser.parse(receiptText)
            receiptPath = setup.home.file("r.json")
            try receiptText.write(toFile: receiptPath, atomically: true, encoding: .utf8)
            tracePath = setup.home.file("t.json")
            try await setup.vigil(["decisions", "trace", id, "--json"]).stdout.write(toFile: tracePath, atomically: true, encoding: .utf8)
            keysPath = setup.home.file("keys.json")
            try await setup.vigil(["receipts", "public-key", "--json"]).stdout.write(toFile: keysPath, atomically: true, encoding: .utf8)
        }

        /// `vigil receipts verify` with no store at all: run in an empty home, no --db.
        func verifyOffline(_ receiptPath: String, key: String? = nil, trace: String? = nil) async throws -> VigilProcess.Output {
            let empty = try TemporaryDirectory()
            var arguments = ["receipts", "verify", receiptPath, "--public-key", key ?? keysPath]
            if let trace { arguments += ["--trace", trace] }
            let output = try await VigilProcess.run(arguments, home: empty.path)
            #expect(!FileManager.default.fileExists(atPath: empty.file(".local/share/vigil/vigil.db")), "offline opens no store")
            return output
        }

        func write(_ value: JSONValue, _ name: String) throws -> String {
            let path = setup.home.file(name)
            try value.prettyText.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    /// Each value a receipt states, changed.
    static func tamperings(_ receipt: JSONValue) -> [(String, JSONValue)] {
        func changed(_ edit: (inout JSONObject) -> Void) -> JSONValue {
            var object = receipt.objectValue!
            edit(&object)
            return .object(object)
        }
        func changedData(_ key: String, _ value: JSONValue) -> JSONValue {
            changed { object in
                var data = object["receipt_data"]!.objectValue!
                data[key] = value
                object["receipt_data"] = .object(data)
            }
        }
        return [
            ("status", changed { $0["status"] = "aborted" }),
            ("final", changed { $0["final"] = false }),
            ("decision_id", changed { $0["decision_id"] = "TMEM_01OTHER" }),
            ("algorithm", changed { $0["algorithm"] = "RSA-PSS" }),
            ("signed_at", changed { $0["signed_at"] = "2020-01-01T00:00:00.000Z" }),
            ("key_id", changed { $0["key_id"] = "vk_0000000000000000" }),
            ("an unsigned field", changed { $0["approved_by"] = "ceo" }),
            ("receipt_data.status", changedData("status", "aborted")),
            ("receipt_data.chain_head_hash", changedData("chain_head_hash", .string(String(repeating: "a", count: 64)))),
            ("receipt_data.algorithm", changedData("algorithm", "none")),
        ]
    }

    @Test("public-key lists this machine's key in base64url and PEM; verify --public-key checks a receipt with no store, with or without its exported trace")
    func offline() async throws {
        let e = try await Exported()
        let keys = try JSONParser.parse(String(contentsOfFile: e.keysPath, encoding: .utf8))["keys"]?.arrayValue ?? []
        let key = try #require(keys.first)
        #expect(keys.count == 1 && key["signs_here"] == true && key["algorithm"] == "Ed25519")
        #expect(key["key_id"] == e.receipt["key_id"])
        #expect(key["public_key_pem"]?.stringValue?.hasPrefix("-----BEGIN PUBLIC KEY-----\n") == true)
        let text = try await e.setup.vigil(["receipts", "public-key"])
        #expect(text.status == 0 && text.stdout.contains("(signs here)") && text.stdout.contains("BEGIN PUBLIC KEY"))

        let withKeys = try await e.verifyOffline(e.receiptPath)
        #expect(withKeys.status == 0, "\(withKeys.stderr)")
        #expect(withKeys.stdout.contains("valid signature for \(e.id)") && withKeys.stdout.contains("trace not checked"))
        let pemPath = e.setup.home.file("key.pem")
        try key["public_key_pem"]!.stringValue!.write(toFile: pemPath, atomically: true, encoding: .utf8)
        #expect(try await e.verifyOffline(e.receiptPath, key: pemPath).status == 0)
        #expect(try await e.verifyOffline(e.receiptPath, key: key["public_key"]!.stringValue!).status == 0)
        let traced = try await e.verifyOffline(e.receiptPath, trace: e.tracePath)
        #expect(traced.status == 0, "\(traced.stderr)")
        #expect(traced.stdout.contains("signature and exported trace of \(e.id) verify (3 events signed"))

        // Another machine's key is not this receipt's.
        let other = try await CLITests.Setup().vigil(["receipts", "public-key", "--json"])
        let otherKey = try #require(JSONParser.parse(other.stdout)["keys"]?.arrayValue?.first?["public_key"]?.stringValue)
        let wrong = try await e.verifyOffline(e.receiptPath, key: otherKey)
        #expect(wrong.status == 1 && wrong.stderr.contains("signed with key \(e.receipt["key_id"]!.stringValue!)"), "\(wrong.stderr)")
        let notAKey = try await e.verifyOffline(e.receiptPath, key: "hello")
        #expect(notAKey.status == 1 && notAKey.stderr.contains("neither vigil's base64url"), "\(notAKey.stderr)")
        let traceWithoutKey = try await e.setup.vigil(["receipts", "verify", e.receiptPath, "--trace", e.tracePath])
        #expect(traceWithoutKey.status != 0 && traceWithoutKey.stderr.contains("--trace needs --public-key"))
    }

    @Test("a change to any value the receipt states fails verification, offline and against the store")
    func tampered() async throws {
        let e = try await Exported()
        for (what, tampered) in Self.tamperings(e.receipt) {
            let path = try e.write(tampered, "tampered.json")
            let offline = try await e.verifyOffline(path)
            #expect(offline.status == 1, "offline accepted a changed \(what)")
            #expect(offline.stderr.hasPrefix("error: "), "\(what): \(offline.stderr)")
            let stored = try await e.setup.vigil(["receipts", "verify", path])
            #expect(stored.status == 1, "the store check accepted a changed \(what)")
        }
        let status = try await e.verifyOffline(try e.write(Self.tamperings(e.receipt)[0].1, "status.json"))
        #expect(status.stderr.contains("states status aborted, but its signed receipt_data says committed"), "\(status.stderr)")
        let algorithm = try await e.verifyOffline(try e.write(Self.tamperings(e.receipt)[3].1, "algorithm.json"))
        #expect(algorithm.stderr.contains("unknown signature algorithm 'RSA-PSS'"), "\(algorithm.stderr)")
    }

    @Test("an exported trace that was altered, cut, filtered or is another decision's fails against the receipt")
    func tamperedTrace() async throws {
        let e = try await Exported()
        let trace = try JSONParser.parse(String(contentsOfFile: e.tracePath, encoding: .utf8))
        var events = trace["events"]!.arrayValue!
        func with(_ edit: (inout JSONObject) -> Void) -> JSONValue {
            var object = trace.objectValue!
            edit(&object)
            return .object(object)
        }
        var context = events[1].objectValue!
        context["summary"] = "nothing to see"
        events[1] = .object(context)
        let altered = try await e.verifyOffline(e.receiptPath, trace: try e.write(with { $0["events"] = .array(events) }, "altered.json"))
        #expect(altered.status == 1 && altered.stderr.contains("broken at event seq 2"), "\(altered.stderr)")
        let cut = try await e.verifyOffline(
            e.receiptPath, trace: try e.write(with { $0["events"] = .array(Array(trace["events"]!.arrayValue!.dropLast())) }, "cut.json"))
        #expect(cut.status == 1 && cut.stderr.contains("the receipt vouches for 3"), "\(cut.stderr)")
        let filtered = try await e.verifyOffline(
            e.receiptPath, trace: try e.write(with { $0["events"] = .array([trace["events"]!.arrayValue![0], trace["events"]!.arrayValue![2]]) }, "filtered.json"))
        #expect(filtered.status == 1 && filtered.stderr.contains("lacks event seq 2"), "\(filtered.stderr)")
        let otherID = try e.setup.fixture.open()
        let otherTrace = try e.setup.home.file("other.json")
        try await e.setup.vigil(["decisions", "trace", otherID, "--json"]).stdout.write(toFile: otherTrace, atomically: true, encoding: .utf8)
        let other = try await e.verifyOffline(e.receiptPath, trace: otherTrace)
        #expect(other.status == 1 && other.stderr.contains("the trace is of decision \(otherID)"), "\(other.stderr)")
    }

    /// The README's Python block, run as written.
    static func readmePython() throws -> String { try readmeBlock("receipt-python", language: "python") }

    @Test("the README's few lines of Python (cryptography) verify a receipt from the real binary and fail every tampered one",
          .enabled(if: pythonCryptographyAvailable))
    func python() async throws {
        let e = try await Exported()
        let script = e.setup.home.file("verify_receipt.py")
        try Self.readmePython().write(toFile: script, atomically: true, encoding: .utf8)
        func run(_ receiptPath: String) async throws -> RunningProcess {
            // The README's lines read r.json and keys.json from the working directory.
            let directory = try TemporaryDirectory()
            try FileManager.default.copyItem(atPath: receiptPath, toPath: directory.file("r.json"))
            try FileManager.default.copyItem(atPath: e.keysPath, toPath: directory.file("keys.json"))
            let process = try RunningProcess(
                "/usr/bin/env", ["python3", "-c", "import os, runpy; os.chdir('\(directory.path)'); runpy.run_path('\(script)')"],
                environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
            #expect(await process.waitForExit(timeout: 60), "\(process.text)")
            return process
        }
        let valid = try await run(e.receiptPath)
        #expect(valid.exitCode == 0 && valid.text.contains("valid"), "\(valid.text)")
        for (what, tampered) in Self.tamperings(e.receipt) {
            let refused = try await run(try e.write(tampered, "tampered.json"))
            #expect(refused.exitCode != 0, "Python accepted a changed \(what): \(refused.text)")
        }
    }
}

/// A failure inside a test helper.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
