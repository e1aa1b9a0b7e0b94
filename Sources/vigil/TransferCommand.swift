import ArgumentParser
import Foundation
import VigilCore

/// `vigil export`: the store as JSON Lines.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write decisions, approvals or memories as JSON Lines (one object a line, schema v1).",
        discussion: """
            Each line is JCS (sorted keys) with "v": 1 and a "kind": receipt_key (the public keys that verify the \
            receipts), decision (the row with its whole trace, approvals, receipt, evidence, write buffer and search \
            words), approval (with --kind approvals), memory (the record with its audit log, relations, decision \
            links and consolidation stages). Rows carry every column under its store name. The README documents the \
            format. Exporting the same store twice gives the same bytes; `vigil import` loads it into any store.

            Examples:
              vigil export > vigil.jsonl
              vigil export --kind memories --since 30d --output memories.jsonl
              vigil export --store postgres://vigil@db/vigil | vigil import - --db copy.db
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "What to write.") var kind: ExportKind = .all
    @Option(help: ArgumentHelp("Only what was created since then: 7d, 24h, a date (2026-12-01) or an RFC 3339 time.", valueName: "when"))
    var since: SinceArgument?
    @Option(help: ArgumentHelp("Write here instead of standard output (replaced if it exists).", valueName: "file")) var output: String?

    func run() throws {
        try runReporting {
            let runtime = try common.open()
            let writer = try LineWriter(path: output)
            let bar = ProgressLine()
            let counts = try StoreTransfer.export(
                from: runtime.store, kind: kind, since: since.flatMap { Timestamp.parse($0.timestamp) },
                emit: writer.write, progress: { bar.show("lines", $0, $0) })
            try writer.finish()
            bar.finish()
            // The lines go to stdout; the summary to stderr (or stdout with --output), so a pipe carries only data.
            let summary = "exported \(counts.decisions) decisions, \(counts.approvals) approvals, \(counts.memories) memories, "
                + "\(counts.receiptKeys) receipt keys"
            if output != nil {
                common.emit(counts.json) { summary }
            } else if isatty(STDERR_FILENO) == 1 {
                FileHandle.standardError.write(Data((summary + "\n").utf8))
            }
        }
    }
}

/// `vigil import FILE`: loads an export into any store.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load a `vigil export` file into this store; importing twice adds nothing.",
        discussion: """
            The whole file is read and checked first (on every core): a line that is not a valid v1 object is \
            refused with its line number, and nothing of the file is loaded (the store is not even created). Then \
            it loads in transactions of 500 lines, reading the next lines while the store writes. A decision, \
            memory, approval or receipt key the store already has is left as it is (so a second import adds \
            nothing); an approval whose decision is not in the store is skipped. Decisions keep their hash chains \
            byte for byte: `vigil decisions verify --all` checks them afterwards.

            Examples:
              vigil import vigil.jsonl --db fresh.db
              vigil export --db old.db | vigil import - --store postgres://vigil@db/vigil
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The export file ('-' for standard input).", valueName: "file")) var file: String

    func run() throws {
        try runReporting {
            // Standard input can be read once: it is kept in a temporary file for the check and the load.
            var path = file
            var temporary: String?
            if file == "-" {
                let copy = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-import-\(UUID().uuidString).jsonl").path
                FileManager.default.createFile(atPath: copy, contents: nil, attributes: [.posixPermissions: 0o600])
                let out = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
                while let chunk = try FileHandle.standardInput.read(upToCount: 1 << 20), !chunk.isEmpty { out.write(chunk) }
                try out.close()
                (path, temporary) = (copy, copy)
            }
            defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
            guard FileManager.default.isReadableFile(atPath: path) else { throw CLIError("cannot read \(file)", .usage) }

            // The store is opened (and created) only for a file that passed the check.
            var runtime: VigilRuntime?
            let bar = ProgressLine()
            let counts = try StoreTransfer.importFile(path: path, into: {
                // The batches commit without an fsync each; the import syncs the store once, before it reports.
                let opened = try common.open { $0.store.durability = .fast }
                runtime = opened
                return opened.store
            }) { step in
                switch step {
                case .checking(let bytes, let size): bar.show("MB checked", Int(bytes >> 20), Int(size >> 20))
                case .loaded(let done, let total): bar.show("loaded", done, total)
                }
            }
            bar.finish()
            withExtendedLifetime(runtime) {}
            common.emit(counts.json) {
                "imported \(counts.decisions) decisions, \(counts.approvals) approvals, \(counts.memories) memories, "
                    + "\(counts.receiptKeys) receipt keys; \(counts.skipped) already present"
            }
        }
    }
}

extension ExportKind: ExpressibleByArgument {}

/// Lines out, buffered: a file (replaced) or standard output.
final class LineWriter {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    init(path: String?) throws {
        if let path {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))", .usage) }
        } else {
            descriptor = STDOUT_FILENO
        }
        buffer.reserveCapacity(1 << 20 + 1 << 16)
    }

    func write(_ line: [UInt8]) throws {
        buffer.append(contentsOf: line)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        try buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { throw CLIError("cannot write the export: \(String(cString: strerror(errno)))", .output) }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func finish() throws {
        try flush()
        if descriptor != STDOUT_FILENO { close(descriptor) }
    }
}
