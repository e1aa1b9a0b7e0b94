import Foundation
import VigilCore
import VigilStoreSQLite
import VigilDashboard
import VigilTUI

/// `vigil bench tui`: the dashboard's frames, built headlessly against a big store.
///
/// A frame is one key through the reducer, the store queries it asks for (a page crossing, a search keystroke),
/// and a full render into the cell grid at 200×50: what the operator waits for between pressing a key and seeing
/// the result (the terminal's own diff and paint come after). Opening is measured apart: the first queries and
/// frame.
public enum TUIBench {
    public struct Screen: Sendable {
        public var name: String
        public var frameMs: [Double]
        public func percentile(_ p: Double) -> Double {
            frameMs.percentile(p)
        }
    }

    public struct Report: Sendable {
        public var decisions: Int
        public var memories: Int
        public var openMs: Double
        public var screens: [Screen]
        public var rssMB: Double
        public var peakRSSMB: Double

        public var allFrames: Screen { Screen(name: "all", frameMs: screens.flatMap(\.frameMs)) }

        public var text: String {
            var lines = ["tui bench: \(decisions) decisions, \(memories) memories, frames at 200×50"]
            lines.append(String(format: "  open (first queries and frame): %.1f ms", openMs))
            lines.append("  screen                          frames   p50 ms   p99 ms   max ms")
            for s in screens + [allFrames] {
                let name = s.name.count < 30 ? s.name + String(repeating: " ", count: 30 - s.name.count) : s.name
                lines.append("  " + name + String(format: " %8d %8.2f %8.2f %8.2f", s.frameMs.count, s.percentile(0.5), s.percentile(0.99), s.frameMs.max() ?? 0))
            }
            lines.append(String(format: "  RSS %.1f MB (peak %.1f MB)", rssMB, peakRSSMB))
            lines.append(String(format: "  target: p99 ≤ 5 ms per frame — p99 %.2f ms; RSS ≤ 100 MB — %.1f MB", allFrames.percentile(0.99), peakRSSMB))
            return lines.joined(separator: "\n")
        }

        public var json: JSONValue {
            [
                "decisions": .int(Int64(decisions)), "memories": .int(Int64(memories)), "open_ms": .double(openMs),
                "rss_mb": .double(rssMB), "peak_rss_mb": .double(peakRSSMB),
                "screens": .array((screens + [allFrames]).map { s in
                    ["name": .string(s.name), "frames": .int(Int64(s.frameMs.count)), "p50_ms": .double(s.percentile(0.5)),
                     "p99_ms": .double(s.percentile(0.99))]
                }),
            ]
        }
    }

    /// Fills (or reuses, with `keep`) a store and measures.
    public static func run(decisions: Int, memories: Int, keep: String?, progress: (String) -> Void) throws -> Report {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-tuibench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = keep ?? directory.appendingPathComponent("tui.db").path
        let store = try SQLiteStore(path: path)
        let memory = MemoryEngine(store: store)
        let haveDecisions = try DashboardBenchFixture.decisionCount(store)
        if haveDecisions < decisions {
            progress("writing \(decisions - haveDecisions) decisions")
            try DashboardBenchFixture.insertDecisions(into: store, count: decisions - haveDecisions) { done in
                if done % 100_000 == 0 { progress("  \(done) decisions") }
            }
        }
        var count = Int(try memory.metrics()["total_records"]?.integerValue ?? 0)
        if count < memories {
            progress("ingesting \(memories - count) memories")
            var rng = MemoryBench.Random(state: 11)
            try MemoryBench.fill(
                memory, upTo: memories, count: &count, clock: nil, step: 0, vocabulary: MemoryBench.Vocabulary(size: 3000), rng: &rng,
                progress: progress)
        }
        let dashboard = LocalDashboardSource(engines: .init(store: store, decisions: nil, memory: memory))
        var state = AppState(
            options: DashboardOptions(operatorName: "bench", databaseName: "tui.db", readOnly: true), size: Size(columns: 200, rows: 50),
            now: Date())
        state.lastUpdate = Date()

        /// Runs effects to completion, as the dashboard's executor would, feeding answers back through the reducer.
        /// The agents view's aggregates load in the background in the dashboard and never hold up a frame, so they
        /// are run after the frame here, untimed.
        var background: [Effect] = []
        func settle(_ effects: [Effect]) {
            var queue = effects
            while !queue.isEmpty {
                let effect = queue.removeFirst()
                if case .bell = effect { continue }
                if case .quit = effect { continue }
                if case .loadMetrics = effect {
                    background.append(effect)
                    continue
                }
                queue += reduce(&state, dashboard.perform(effect, operatorName: "bench"))
            }
        }
        func elapsed(_ start: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6 }

        progress("measuring")
        let open = DispatchTime.now()
        settle(reduce(&state, .dataChanged))
        _ = render(state)
        let openMs = elapsed(open)

        func frames(_ name: String, _ keys: [KeyEvent]) -> Screen {
            var times: [Double] = []
            for key in keys {
                let start = DispatchTime.now()
                settle(reduce(&state, .key(key)))
                _ = render(state)
                times.append(elapsed(start))
                for effect in background { _ = reduce(&state, dashboard.perform(effect, operatorName: "bench")) }
                background.removeAll()
            }
            return Screen(name: name, frameMs: times)
        }
        var screens: [Screen] = []
        screens.append(frames("decisions: scroll 600 rows", [.char("1")] + Array(repeating: .char("j"), count: 600) + Array(repeating: .char("k"), count: 100)))
        screens.append(frames("decisions: filter status", [.char("/")] + "status:open".map { .char($0) } + [.enter] + Array(repeating: .char("j"), count: 100)))
        screens.append(frames("pending: scroll", [.char("2")] + Array(repeating: .char("j"), count: 100)))
        screens.append(frames("memory: scroll", [.char("3")] + Array(repeating: .char("j"), count: 200)))
        screens.append(frames("memory: search as you type", [.char("/")] + "lo ka mi".map { .char($0) } + [.enter] + Array(repeating: .char("j"), count: 50)))
        screens.append(frames("agents", [.char("4")] + Array(repeating: .char("j"), count: 19)))
        let (rss, peak) = residentMemory()
        return Report(decisions: decisions, memories: count, openMs: openMs, screens: screens, rssMB: rss, peakRSSMB: peak)
    }

    /// Current and peak resident set size in MB, from /proc/self/status.
    static func residentMemory() -> (Double, Double) {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return 0 }
            return Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
        }
        return (field("VmRSS:"), field("VmHWM:"))
    }
}
