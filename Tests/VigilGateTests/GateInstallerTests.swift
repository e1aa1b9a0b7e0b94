import Foundation
import Testing
import VigilCore
import VigilTestSupport
@testable import VigilGate

@Suite("vigil gate install keeps the settings file as it was written")
struct GateInstallerTests {
    /// A settings file laid out as people write them: keys in their own order, not sorted.
    static let original = """
        {
          "model": "opus",
          "permissions": {
            "deny": [
              "Read(./.env)"
            ],
            "allow": [
              "Bash(npm test)"
            ]
          },
          "hooks": {
            "PreToolUse": [
              {
                "matcher": "Bash",
                "hooks": [
                  {
                    "type": "command",
                    "command": "~/bin/audit.sh"
                  }
                ]
              }
            ],
            "PostToolUse": [
              {
                "matcher": "*",
                "hooks": [
                  {
                    "type": "command",
                    "command": "say done"
                  }
                ]
              }
            ]
          },
          "env": {
            "A/B": "1",
            "C~D": "2"
          }
        }

        """

    @Test("install keeps every key where it was and writes its own entry as the documentation does; uninstall gives the file back byte for byte")
    func keepsOrder() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("settings.json")
        try Self.original.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try GateInstaller.install("/usr/bin/vigil gate claude-code", timeout: 660, for: .claudeCode, at: path) == .added)
        let installed = try String(contentsOfFile: path, encoding: .utf8)
        func position(_ text: String) -> Int { installed.range(of: text).map { installed.distance(from: installed.startIndex, to: $0.lowerBound) } ?? -1 }
        #expect(position(#""model""#) < position(#""permissions""#) && position(#""permissions""#) < position(#""hooks""#)
                && position(#""hooks""#) < position(#""env""#), "\(installed)")
        #expect(position(#""deny""#) < position(#""allow""#) && position(#""PreToolUse""#) < position(#""PostToolUse""#), "\(installed)")
        #expect(installed.contains("""
                  {
                    "matcher": "*",
                    "hooks": [
                      {
                        "type": "command",
                        "command": "/usr/bin/vigil gate claude-code",
                        "timeout": 660
                      }
                    ]
                  }
            """), "\(installed)")
        #expect(try GateInstaller.uninstall(for: .claudeCode, at: path) == .removed)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.original)
    }

    @Test("key order by path: nested objects, list elements, and keys with / and ~ in them")
    func keyOrder() throws {
        let order = JSONKeyOrder(bytes: Array(Self.original.utf8))
        #expect(order.orders[""] == ["model", "permissions", "hooks", "env"])
        #expect(order.orders["/permissions"] == ["deny", "allow"])
        #expect(order.orders["/hooks/PreToolUse/0"] == ["matcher", "hooks"])
        #expect(order.orders["/hooks/PreToolUse/0/hooks/0"] == ["type", "command"])
        #expect(order.orders["/env"] == ["A/B", "C~D"])
        #expect(JSONKeyOrder.step("A/B") == "/A~1B" && JSONKeyOrder.step("C~D") == "/C~0D")
        // New keys follow the known ones: preferred first, then sorted.
        let object: JSONObject = ["zeta": 1, "timeout": 2, "model": 3, "alpha": 4, "type": 5]
        #expect(order.keys(of: object, at: "", preferred: ["type", "timeout"]) == ["model", "type", "timeout", "alpha", "zeta"])
        #expect(JSONKeyOrder(bytes: Array("{oops".utf8)).orders.isEmpty, "a text that does not parse gives no orders")
    }
}
