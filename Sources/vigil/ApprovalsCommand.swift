import ArgumentParser
import Foundation
import VigilCore

struct ApprovalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals",
        abstract: "List approval requests and approve or reject them as an operator.",
        subcommands: [List.self, Approve.self, Reject.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List approval requests, oldest first (pending by default).")
        @OptionGroup var common: CommonOptions
        @Option(help: ArgumentHelp("Only this status (repeatable).", valueName: "status"))
        var status: [RequestStatus] = []
        @Option(help: ArgumentHelp("Only this agent id.", valueName: "agent-id")) var agent: String?
        @Option(help: "At most this many (1–500).") var limit = 50

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                var arguments: JSONObject = ["limit": .int(Int64(limit))]
                if !status.isEmpty { arguments["status"] = JSONValue(status.map(\.rawValue)) }
                if let agent { arguments["agent"] = .string(agent) }
                let result = try runtime.decisions.listApprovals(arguments)
                common.emit(.object(result)) {
                    let rows = result["approvals"]?.arrayValue ?? []
                    if rows.isEmpty { return "No approval requests match." }
                    var lines = [cell("AGE", 5) + cell("EXPIRES", 9) + cell("STATUS", 9) + cell("AGENT", 18) + cell("TITLE", 30) + "ID"]
                    for row in rows {
                        let expires = Timestamp.parse(row["expires_at"]?.stringValue ?? "").map {
                            let left = Int($0.timeIntervalSinceNow)
                            return left <= 0 ? "due" : (left < 3600 ? "\(left / 60)m" : "\(left / 3600)h")
                        } ?? "?"
                        lines.append(
                            cell(age(row["requested_at"]?.stringValue ?? ""), 5) + cell(expires, 9)
                                + cell(row["status"]?.stringValue ?? "", 9) + cell(row["agent_id"]?.stringValue ?? "", 18)
                                + cell(row["title"]?.stringValue ?? "", 30) + (row["approval_id"]?.stringValue ?? ""))
                    }
                    return lines.joined(separator: "\n")
                }
            }
        }
    }

    struct Resolution: ParsableArguments {
        @Argument(help: "The approval id (appr_…).") var id: String
        @Option(name: .customLong("operator"), help: ArgumentHelp("Who decides. Default: config `operator`, else $USER.", valueName: "name"))
        var operatorName: String?
        @Option(help: ArgumentHelp("Why; required when the request asks for a rationale.", valueName: "text"))
        var rationale: String?
    }

    static func resolve(_ resolution: String, _ options: Resolution, _ common: CommonOptions) throws {
        try runReporting {
            let runtime = try common.open()
            let operatorID = try resolveOperator(options.operatorName, config: runtime.config)
            var arguments: JSONObject = ["approval_id": .string(options.id), "resolution": .string(resolution)]
            if let rationale = options.rationale { arguments["rationale"] = .string(rationale) }
            let result = try runtime.decisions.resolveApproval(arguments, operatorID: operatorID)
            common.emit(.object(result)) {
                "\(options.id) \(result["status"]?.stringValue ?? "") by \(operatorID); decision \(result["decision_id"]?.stringValue ?? "") is now \(result["decision_status"]?.stringValue ?? "")"
            }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a pending request.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var resolution: Resolution
        func run() throws { try ApprovalsCommand.resolve("approve", resolution, common) }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a pending request.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var resolution: Resolution
        func run() throws { try ApprovalsCommand.resolve("reject", resolution, common) }
    }
}

/// What an approval request can be, as `approvals list --status` takes it (a decision's approval status also has
/// `none`, which no request has).
enum RequestStatus: String, CaseIterable, ExpressibleByArgument {
    case pending, approved, rejected, expired
}
