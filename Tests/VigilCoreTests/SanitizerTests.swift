import Foundation
import Testing
import VigilCore

@Suite("Sanitizer (TraceMem spec §12)")
struct SanitizerTests {
    let sanitizer = Sanitizer()

    @Test("secret-like keys are redacted at any depth, with pointers in traversal order")
    func redaction() {
        let result = sanitizer.sanitize(
            ["api_key": "k", "author": "x", "nested": ["Password": "p", "fine": ["token": ["deep": 1]]], "ok": 1],
            at: "/metadata")
        #expect(result.value["api_key"] == "[REDACTED]")
        #expect(result.value["author"] == "[REDACTED]")
        #expect(result.value["nested"]?["Password"] == "[REDACTED]")
        #expect(result.value["nested"]?["fine"]?["token"] == "[REDACTED]")
        #expect(result.value["ok"] == 1)
        #expect(result.redactedKeys == [
            "/metadata/api_key", "/metadata/author", "/metadata/nested/Password", "/metadata/nested/fine/token",
        ])
    }

    @Test("long strings keep 1000 scalars and say how many were cut")
    func strings() {
        let result = sanitizer.sanitize(["s": .string(String(repeating: "a", count: 1500))], at: "/metadata")
        #expect(result.value["s"]?.stringValue == String(repeating: "a", count: 1000) + "…[truncated 500 chars]")
        #expect(result.truncatedPaths == ["/metadata/s"])
    }

    @Test("arrays keep 100 items and objects keep the 100 smallest keys")
    func sizes() {
        let array = JSONValue.array((0..<150).map { .int(Int64($0)) })
        var object: JSONObject = [:]
        for i in 0..<150 { object[String(format: "k%03d", i)] = .int(Int64(i)) }
        let result = sanitizer.sanitize(["list": array, "map": .object(object)], at: "/metadata")
        let list = result.value["list"]!.arrayValue!
        #expect(list.count == 101)
        #expect(list.last == "[…50 more items]")
        let map = result.value["map"]!.objectValue!
        #expect(map.count == 101)
        #expect(map["k099"] == 99 && map["k100"] == nil)
        #expect(map["__truncated__"] == "[…50 more keys]")
        #expect(result.truncatedPaths == ["/metadata/list", "/metadata/map"])
    }

    @Test("nesting 12 deep turns the container at depth 11 into a marker")
    func depth() {
        var value: JSONValue = ["leaf": 1]
        for _ in 0..<11 { value = ["n": value] }  // 12 objects deep
        let result = sanitizer.sanitize(value, at: "/metadata")
        var cursor = result.value
        for _ in 0..<9 { cursor = cursor["n"]! }  // depth 10 object
        #expect(cursor["n"] == "[…max depth]")
        #expect(result.truncatedPaths == ["/metadata" + String(repeating: "/n", count: 10)])
    }

    @Test("pointer tokens escape ~ and /")
    func pointerEscaping() {
        let result = sanitizer.sanitize(["a/b~c": ["secret": 1]], at: "/context")
        #expect(result.redactedKeys == ["/context/a~1b~0c/secret"])
    }
}
