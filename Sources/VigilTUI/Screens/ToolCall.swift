import Foundation
import VigilCore

// How an approval's message and a gated tool call read in the dialog and the decision detail: wrapped, never cut,
// with a command, a diff's removed and added lines and comments in their own theme roles.

/// A message's lines, wrapped to `width`: `$ command` emphasised, `- old` and `+ new` as a diff, `# note` dim.
func messageLines(_ message: String, width: Int) -> [(String, ThemeRole)] {
    message.split(separator: "\n", omittingEmptySubsequences: false).flatMap { line -> [(String, ThemeRole)] in
        let text = String(line)
        let role: ThemeRole =
            text.hasPrefix("$ ") ? .textEmphasis
            : text.hasPrefix("+ ") ? .diffAdded
            : text.hasPrefix("- ") ? .diffRemoved
            : text.hasPrefix("# ") ? .textDim : .textNormal
        return DisplayWidth.wrap(text, width: width, indent: "  ").map { ($0, role) }
    }
}

/// A gated call's own lines, from the hook input the gate stored in the decision's trace (`tool_name`,
/// `tool_input`, `cwd`, `session_id`): the tool, where and in which session, then the command, or the file and the
/// change.
func toolCallLines(_ context: JSONValue, width: Int) -> [(String, ThemeRole)] {
    guard let tool = context["tool_name"]?.stringValue else { return [] }
    let input = context["tool_input"] ?? .object([:])
    func text(_ key: String) -> String? { input[key]?.stringValue }
    var message = ["\(tool) · in \(context["cwd"]?.stringValue ?? "?") · session \(context["session_id"]?.stringValue ?? "?") · \(context["agent"]?.stringValue ?? "agent")"]
    if let command = text("command") {
        message.append("$ " + command)
        if let description = text("description"), !description.isEmpty { message.append("# " + description) }
    } else if let path = text("file_path") ?? text("notebook_path") {
        message.append("file " + path)
        if let old = text("old_string") { message.append("- " + old.replacingOccurrences(of: "\n", with: "\n- ")) }
        if let new = text("new_string") { message.append("+ " + new.replacingOccurrences(of: "\n", with: "\n+ ")) }
        if let content = text("content") {
            let lines = content.split(separator: "\n", omittingEmptySubsequences: false)
            message += lines.prefix(20).map { "+ " + $0 }
            if lines.count > 20 { message.append("# … \(lines.count - 20) more lines") }
        }
    } else if let url = text("url") {
        message.append(url)
    } else if case .object(let object) = input, !object.isEmpty {
        message.append(input.canonicalText)
    }
    return messageLines(message.joined(separator: "\n"), width: width)
}
