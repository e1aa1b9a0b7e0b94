import Foundation
import VigilCore
import VigilStoreSQLite

/// The fixture of TraceMem spec §14 on a real temporary store (a SQLite file or a PostgreSQL database): a store, an injectable clock, agents `agent_a`
/// and `agent_b`, operator `op_o`, the `orders` table with its four products, `hidden_v1` and `discount_cap_v1`.
public final class DecisionFixture: Sendable {
    public static let configTOML = """
        operator = "op_o"

        [store]
        durability = "fast"   # the binaries the tests start: no fsync per commit (see TestStore)

        [approvals]
        default_expires_in_seconds = 3600

        [[approvals.routes]]
        approval_route_id = "finance"
        name = "Finance review"
        require_rationale = true
        expires_in_seconds = 7200

        [data_products.tables.orders.columns]
        order_id = { type = "string", primary_key = true, generated = "ulid" }
        customer_id = { type = "string" }
        amount = { type = "number" }
        discount_pct = { type = "number", nullable = true }
        status = { type = "string", nullable = true }

        [[data_products.products]]
        product_id = "orders_read_v1"
        table = "orders"
        operation = "read"
        fields = ["order_id", "customer_id", "amount", "discount_pct", "status"]
        allowed_purposes = ["order_support"]

        [[data_products.products]]
        product_id = "orders_insert"
        table = "orders"
        operation = "insert"
        fields = ["order_id", "customer_id", "amount", "discount_pct", "status"]
        allowed_purposes = ["order_support"]
        insert = { return_created = true }
        policies = ["discount_cap_v1"]

        [[data_products.products]]
        product_id = "orders_update"
        table = "orders"
        operation = "update"
        fields = ["order_id", "customer_id", "amount", "discount_pct", "status"]
        allowed_purposes = ["order_support"]

        [[data_products.products]]
        product_id = "orders_delete"
        table = "orders"
        operation = "delete"
        fields = ["order_id", "customer_id", "amount", "discount_pct", "status"]
        allowed_purposes = ["order_support"]

        [[data_products.products]]
        product_id = "hidden_v1"
        table = "orders"
        operation = "read"
        fields = ["order_id", "amount"]
        allowed_purposes = ["order_support"]

        [data_products.tables.accounts.columns]
        account_id = { type = "string", primary_key = true }
        owner = { type = "string" }

        [[data_products.products]]
        product_id = "accounts_insert"
        table = "accounts"
        operation = "insert"
        allowed_purposes = ["order_support"]

        [[policies]]
        policy_id = "discount_cap_v1"
        name = "Discount cap"
        version = "1"
        rules = [
          { id = "too_high", when = { field = "record.discount_pct", op = "gt", value = 30 }, outcome = "deny", message = "discount above 30% is never allowed" },
          { id = "needs_review", when = { field = "record.discount_pct", op = "gt", value = 10 }, outcome = "requires_exception", message = "discount above 10% needs finance review", approval_route_id = "finance" },
        ]
        default = { outcome = "allow", message = "within the cap" }
        """

    public let directory: TemporaryDirectory
    public let clock: ManualClock
    public let config: VigilConfig
    package let store: any Store
    /// Which kind of store this fixture runs on.
    public let storeKind: TestStore
    public let engine: DecisionEngine
    public let principals: PrincipalRegistry
    public let agentA: Principal
    public let agentB: Principal
    public let keyA: String
    public let keyB: String
    public let keyO: String
    public let operatorID = "op_o"
    public let orderGrants = [
        "orders_read_v1", "orders_insert", "orders_update", "orders_delete", "accounts_insert",
    ]

    /// The SQLite file, or the PostgreSQL URL (without password).
    public var databasePath: String { store.location }

    /// - Parameter now: where the fixture's clock starts; tests that mix the fixture with a real `vigil` process pass
    ///   the real time, so both agree on what has expired.
    public init(
        store kind: TestStore = .sqlite, configTOML: String = DecisionFixture.configTOML, allowOverrideForA: Bool = false,
        now: Date = Date(timeIntervalSince1970: 1_767_780_000)
    ) throws {
        directory = try TemporaryDirectory()
        clock = ManualClock(now)
        config = try VigilConfig(toml: configTOML)
        storeKind = kind
        store = try kind.open(in: directory)
        engine = try DecisionEngine(store: store, config: config, clock: clock)
        principals = PrincipalRegistry(store: store, clock: clock)
        (agentA, keyA) = try principals.add(
            name: "agent_a", kind: .agent, allowOverride: allowOverrideForA, productGrants: orderGrants)
        (agentB, keyB) = try principals.add(name: "agent_b", kind: .agent, productGrants: orderGrants)
        (_, keyO) = try principals.add(name: "op_o", kind: .operator)
    }

    /// Another handle on the same database, as a second process (or server) would open it.
    package func secondStore() throws -> any Store {
        try storeKind.reopen(store, in: directory)
    }

    /// Calls a tool as agent A (or `agent`).
    @discardableResult
    public func call(_ tool: String, _ arguments: JSONObject, as agent: Principal? = nil) throws -> JSONObject {
        try engine.call(tool: tool, arguments: arguments, caller: .agent(agent ?? agentA))
    }

    /// Calls a tool as operator `op_o`.
    @discardableResult
    public func callAsOperator(_ tool: String, _ arguments: JSONObject) throws -> JSONObject {
        try engine.call(tool: tool, arguments: arguments, caller: .operator(operatorID))
    }

    /// Opens a decision for agent A and returns its id.
    public func open(_ mode: String = "autonomous", intent: String = "billing.refund.issue", as agent: Principal? = nil) throws -> String {
        try call("decision_create", ["intent": .string(intent), "automation_mode": .string(mode)], as: agent)["decision_id"]!
            .stringValue!
    }

    /// The decision as `decision_get` returns it to the operator.
    public func get(_ id: String) throws -> JSONObject {
        try callAsOperator("decision_get", ["decision_id": .string(id)])
    }

    /// The trace's events as the operator sees them.
    public func events(_ id: String) throws -> [JSONValue] {
        try callAsOperator("decision_trace", ["decision_id": .string(id)])["events"]!.arrayValue!
    }

    /// Rows currently in `dp_orders`, through a read decision of agent B.
    public func committedOrders() throws -> [JSONValue] {
        let id = try open(as: agentB)
        return try call(
            "decision_read",
            ["decision_id": .string(id), "product": "orders_read_v1", "purpose": "order_support", "allow_multiple": true],
            as: agentB)["records"]!.arrayValue!
    }

    /// A snapshot of every table's row count and the whole events table, to prove that a refused call changed
    /// nothing.
    public func storeSnapshot() throws -> String {
        try engine.debugSnapshot()
    }
}
