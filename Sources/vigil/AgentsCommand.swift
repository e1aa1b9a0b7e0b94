import ArgumentParser
import Foundation
import VigilCore

struct AgentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "Register agents and operators and manage their API keys.",
        discussion: "Keys are shown once, at creation; vigil stores only their SHA-256.",
        subcommands: [Add.self, List.self, Revoke.self, Grant.self, Policies.self, Key.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an agent (or, with --operator, an operator) and print its new API key once.",
            discussion: """
                An agent named NAME gets the id agent_NAME. Agents see only their own decisions and the data
                products granted to them (--grant PRODUCT, or --grant '*' for all).
                Example: vigil agents add builder --grant orders_read_v1 --json
                """)

        @OptionGroup var common: CommonOptions
        @Argument(help: "The name: [a-z0-9_-] for agents, [A-Za-z0-9._@-] for operators.") var name: String
        @Flag(name: .customLong("operator"), help: "Create an operator, who may list and resolve approvals of every agent.")
        var isOperator = false
        @Flag(help: "Allow this agent to create decisions in automation_mode 'override'.") var allowOverride = false
        @Option(name: .customLong("grant"), help: ArgumentHelp("Grant a data product (repeatable; '*' grants all).", valueName: "product"))
        var grants: [String] = []

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                for grant in grants where grant != "*" && runtime.config.product(grant) == nil {
                    throw PrincipalError.unknownProduct(grant)
                }
                let (principal, key) = try runtime.principals.add(
                    name: name, kind: isOperator ? .operator : .agent, allowOverride: allowOverride,
                    productGrants: grants)
                let value: JSONValue = [
                    "agent_id": .string(principal.principalID), "api_key": .string(key),
                    "role": .string(principal.kind.rawValue),
                ]
                common.emit(value) {
                    """
                    \(principal.kind == .operator ? "operator" : "agent") \(principal.principalID) created.
                    API key (shown once, store it now): \(key)
                    Point a TraceMem client at vigil with TRACEMEM_API_KEY=\(key)
                    """
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agents and operators with their keys (never the keys themselves).")
        @OptionGroup var common: CommonOptions

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                let entries = try runtime.principals.list()
                let value: JSONValue = .array(entries.map { entry in
                    var object = entry.principal.json
                    object["keys"] = .array(entry.keys.map { .object($0.json) })
                    return .object(object)
                })
                common.emit(value) {
                    if entries.isEmpty { return "No agents yet. Add one with: vigil agents add NAME --grant '*'" }
                    var lines = [cell("ID", 24) + cell("ROLE", 10) + cell("STATUS", 10) + cell("KEYS", 6) + "GRANTS"]
                    for (principal, keys) in entries {
                        let active = keys.filter { $0.revokedAt == nil }.count
                        lines.append(
                            cell(principal.principalID, 24) + cell(principal.kind.rawValue, 10)
                                + cell(principal.isActive ? "active" : "disabled", 10) + cell("\(active)", 6)
                                + principal.productGrants.joined(separator: ","))
                    }
                    return lines.joined(separator: "\n")
                }
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke the API keys of an agent or operator (all of them, or one with --key).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The agent or operator id, e.g. agent_builder.") var id: String
        @Option(help: ArgumentHelp("Revoke only this key id (see `vigil agents list`).", valueName: "key-id")) var key: String?
        @Flag(help: "Also disable the principal, so no key of it works again until re-enabled.") var disable = false

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                let count = try runtime.principals.revoke(id, keyID: key)
                if disable { try runtime.principals.setActive(id, false) }
                common.emit(["principal_id": .string(id), "revoked_keys": .int(Int64(count)), "disabled": .bool(disable)]) {
                    "Revoked \(count) key(s) of \(id)\(disable ? "; \(id) is disabled" : "")."
                }
            }
        }
    }

    struct Grant: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the data products an agent may use (replaces its grants; '*' means all).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The agent id.") var id: String
        @Argument(help: "Product ids.") var products: [String] = []

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                for product in products where product != "*" && runtime.config.product(product) == nil {
                    throw PrincipalError.unknownProduct(product)
                }
                try runtime.principals.setProductGrants(id, products)
                common.emit(["principal_id": .string(id), "product_grants": JSONValue(products)]) {
                    "\(id) may now use: \(products.isEmpty ? "no products" : products.joined(separator: ", "))"
                }
            }
        }
    }

    struct Policies: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Limit the policies an agent may evaluate (replaces its list), or lift the limit with --all.",
            discussion: "Agents may evaluate every configured policy until limited. Example: vigil agents policies agent_builder discount_cap_v1")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The agent id.") var id: String
        @Argument(help: "Policy ids.") var policies: [String] = []
        @Flag(help: "Allow every policy again.") var all = false

        func validate() throws {
            if all && !policies.isEmpty { throw ValidationError("give policy ids or --all, not both") }
        }

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                for policy in policies where runtime.config.policy(policy) == nil { throw PrincipalError.unknownPolicy(policy) }
                let grants: [String]? = all ? nil : policies
                try runtime.principals.setPolicyGrants(id, grants)
                common.emit(["principal_id": .string(id), "policy_grants": grants.map { JSONValue($0) } ?? .null]) {
                    all ? "\(id) may evaluate every policy" : "\(id) may evaluate: \(policies.isEmpty ? "no policies" : policies.joined(separator: ", "))"
                }
            }
        }
    }

    struct Key: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an additional API key for an agent or operator.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The agent or operator id.") var id: String

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                let key = try runtime.principals.issueKey(for: id)
                common.emit(["agent_id": .string(id), "api_key": .string(key)]) {
                    "New key for \(id) (shown once): \(key)"
                }
            }
        }
    }
}
