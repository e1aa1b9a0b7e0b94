import Testing
import VigilCore
import VigilTestSupport

/// Asserts that `body` throws exactly `expected` (code and data string).
func expectDecisionError(
    _ expected: DecisionError, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected \(expected.data) but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as DecisionError {
        #expect(error.code == expected.code, "code for \(error.data)", sourceLocation: sourceLocation)
        #expect(error.data == expected.data, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(expected.data) but got \(error)", sourceLocation: sourceLocation)
    }
}

/// Asserts that `body` throws a DecisionError with `code` and `data`, and that the store is unchanged.
func expectRefusal(
    _ fixture: DecisionFixture, code: Int, data: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) throws {
    let before = try fixture.storeSnapshot()
    do {
        try body()
        Issue.record("expected \(data) but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as DecisionError {
        #expect(error.code == code, "code for \(error.data)", sourceLocation: sourceLocation)
        #expect(error.data == data, sourceLocation: sourceLocation)
    }
    #expect(try fixture.storeSnapshot() == before, "a refused call changed the store", sourceLocation: sourceLocation)
}

extension JSONValue {
    var s: String? { stringValue }
}
