import VigilCore

/// The demo store's configuration and seed data: three approval routes, five tables behind seven data products,
/// and three policies that allow, deny or ask a human, so every path of the approval workflow shows up.
public enum DemoSetup {
    public static let configTOML = """
        [approvals]
        default_expires_in_seconds = 900

        [[approvals.routes]]
        approval_route_id = "finance"
        name = "Finance review"
        require_rationale = true

        [[approvals.routes]]
        approval_route_id = "release"
        name = "Release managers"

        [[approvals.routes]]
        approval_route_id = "security"
        name = "Security on call"
        require_rationale = true

        [data_products.tables.customers.columns]
        customer_id = { type = "string", primary_key = true }
        name = { type = "string" }
        tier = { type = "string" }
        lifetime_value = { type = "number" }

        [data_products.tables.orders.columns]
        order_id = { type = "string", primary_key = true, generated = "ulid" }
        customer_id = { type = "string" }
        amount = { type = "number" }
        discount_pct = { type = "number", nullable = true }

        [data_products.tables.deployments.columns]
        deployment_id = { type = "string", primary_key = true, generated = "ulid" }
        service = { type = "string" }
        version = { type = "string" }
        environment = { type = "string" }

        [data_products.tables.secrets.columns]
        secret_id = { type = "string", primary_key = true }
        owner = { type = "string" }
        rotated_at = { type = "string", nullable = true }

        [[data_products.products]]
        product_id = "customers_read"
        table = "customers"
        operation = "read"
        allowed_purposes = ["order_support", "account_review"]

        [[data_products.products]]
        product_id = "orders_read"
        table = "orders"
        operation = "read"
        allowed_purposes = ["order_support"]

        [[data_products.products]]
        product_id = "orders_insert"
        table = "orders"
        operation = "insert"
        allowed_purposes = ["order_support"]
        insert = { return_created = true }
        policies = ["discount_cap_v1"]

        [[data_products.products]]
        product_id = "deployments_read"
        table = "deployments"
        operation = "read"
        allowed_purposes = ["release"]

        [[data_products.products]]
        product_id = "deployments_insert"
        table = "deployments"
        operation = "insert"
        allowed_purposes = ["release"]
        policies = ["deploy_window_v1"]

        [[data_products.products]]
        product_id = "secrets_read"
        table = "secrets"
        operation = "read"
        allowed_purposes = ["key_rotation"]

        [[data_products.products]]
        product_id = "secrets_update"
        table = "secrets"
        operation = "update"
        allowed_purposes = ["key_rotation"]
        policies = ["secrets_change_v1"]

        [[policies]]
        policy_id = "discount_cap_v1"
        name = "Discount cap"
        version = "1"
        rules = [
          { id = "too_high", when = { field = "record.discount_pct", op = "gt", value = 30 }, outcome = "deny", message = "discounts above 30% are never allowed" },
          { id = "needs_review", when = { field = "record.discount_pct", op = "gt", value = 10 }, outcome = "requires_exception", message = "discounts above 10% need finance review", approval_route_id = "finance" },
        ]
        default = { outcome = "allow", message = "within the discount cap" }

        [[policies]]
        policy_id = "deploy_window_v1"
        name = "Production deploy window"
        version = "3"
        rules = [
          { id = "prod", when = { field = "record.environment", op = "eq", value = "production" }, outcome = "requires_exception", message = "production deploys need a release manager", approval_route_id = "release" },
        ]
        default = { outcome = "allow", message = "non-production deploys are free" }

        [[policies]]
        policy_id = "secrets_change_v1"
        name = "Secret changes"
        version = "2"
        rules = [
          { id = "root", when = { field = "record.secret_id", op = "starts_with", value = "root" }, outcome = "deny", message = "root credentials are rotated by humans only" },
          { id = "sign_off", when = { field = "record.secret_id", op = "exists" }, outcome = "requires_exception", message = "every secret change needs security sign-off", approval_route_id = "security" },
        ]
        default = { outcome = "deny", message = "a secret change must name the secret" }
        """

    /// The demo's configuration.
    public static func config() throws -> VigilConfig { try VigilConfig(toml: configTOML, path: "vigil demo") }

    static let customers: [(id: String, name: String, tier: String)] = [
        ("c-1001", "Ada Byron", "gold"), ("c-1002", "Grace Hopper", "platinum"), ("c-1003", "Alan Kay", "silver"),
        ("c-1004", "Barbara Liskov", "gold"), ("c-1005", "Ken Thompson", "bronze"), ("c-1006", "Frances Allen", "silver"),
        ("c-1007", "Edsger Dijkstra", "bronze"), ("c-1008", "Margaret Hamilton", "platinum"),
    ]
    static let services = ["checkout-api", "search", "billing-worker", "auth", "notifications"]
    static let secrets = ["stripe-api-key", "db-password", "smtp-token", "root-ca-key", "s3-access-key"]

    /// Seeds the tables; rows already there (`--db` on an earlier demo store) are kept.
    public static func seed(_ engine: DecisionEngine) throws {
        try engine.seed(
            table: "customers",
            rows: customers.enumerated().map { index, customer in
                [
                    "customer_id": .string(customer.id), "name": .string(customer.name), "tier": .string(customer.tier),
                    "lifetime_value": .double(Double(1200 + index * 870)),
                ]
            })
        try engine.seed(
            table: "secrets",
            rows: secrets.map { ["secret_id": .string($0), "owner": "platform", "rotated_at": .null] })
        try engine.seed(
            table: "deployments",
            rows: services.enumerated().map { index, service in
                [
                    "deployment_id": .string("dep-\(index + 1)"), "service": .string(service),
                    "version": .string("v2.\(index).0"), "environment": "production",
                ]
            })
    }
}
