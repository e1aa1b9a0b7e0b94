import Foundation
import Synchronization
import VigilCore
import VigilDashboard
import VigilTUI

#if canImport(Glibc)
import Glibc
#endif

/// The dashboard's run loop: curses on one dedicated thread that also owns the state, data work in tasks whose
/// results come back through an inbox, and a watcher that posts `.dataChanged` when the source changed.
public final class Dashboard: Sendable {
    public typealias Engines = LocalDashboardSource.Engines

    let source: any DashboardSource
    let inbox = Mutex<[Action]>([])

    /// A dashboard on a local store (polling `PRAGMA data_version` every `pollInterval`).
    public convenience init(engines: Engines, pollInterval: Duration = .milliseconds(250)) {
        self.init(source: LocalDashboardSource(engines: engines, pollInterval: pollInterval))
    }

    /// A dashboard on any source: the local store, or a remote vigil.
    public init(source: any DashboardSource) {
        self.source = source
    }

    func post(_ action: Action) { inbox.withLock { $0.append(action) } }

    /// Asks the running dashboard to quit, as `q` would (for a demo that ends on its own).
    public func requestQuit() { post(.quitRequested) }

    /// Runs until the operator quits (q, Ctrl-c, SIGINT or SIGTERM). The terminal is restored on every exit path.
    public func run(options: DashboardOptions, theme: Theme, keymap: Keymap, forceMono: Bool) async throws {
        let signals = TerminationSignals { [self] in post(.quitRequested) }
        defer { signals.cancel() }
        let watcher = Task.detached { [self] in await source.watch { [self] in post($0) } }
        defer { watcher.cancel() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread { [self] in
                do {
                    try loop(options: options, theme: theme, keymap: keymap, forceMono: forceMono)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "vigil-curses"
            thread.start()
        }
    }

    private func loop(options: DashboardOptions, theme: Theme, keymap: Keymap, forceMono: Bool) throws {
        let terminal = try Terminal(theme: theme, forceMono: forceMono)
        defer { terminal.end() }
        var state = AppState(options: options, keymap: keymap, size: terminal.size, now: Date())
        state.options.monochrome = terminal.depth == .mono
        perform(reduce(&state, .dataChanged), state: state, terminal: terminal)
        var needsDraw = true
        var lastSecond = Int(Date().timeIntervalSince1970)
        while !state.shouldQuit {
            var (key, resized, got) = terminal.readKey()
            while got {
                if resized {
                    perform(reduce(&state, .resized(terminal.size)), state: state, terminal: terminal)
                    needsDraw = true
                }
                if let key {
                    perform(reduce(&state, .key(key)), state: state, terminal: terminal)
                    needsDraw = true
                }
                terminal.setBlocking(false)
                (key, resized, got) = terminal.readKey()
            }
            terminal.setBlocking(true)
            let actions = inbox.withLock { actions in
                defer { actions.removeAll() }
                return actions
            }
            for action in actions {
                perform(reduce(&state, action), state: state, terminal: terminal)
                needsDraw = true
            }
            let now = Date()
            if Int(now.timeIntervalSince1970) != lastSecond {
                lastSecond = Int(now.timeIntervalSince1970)
                _ = reduce(&state, .tick(now))
                needsDraw = true
            }
            if needsDraw, !state.shouldQuit {
                terminal.draw(render(state))
                needsDraw = false
            }
        }
    }

    /// Executes effects: terminal ones here, store ones in tasks that answer through the inbox.
    private func perform(_ effects: [Effect], state: AppState, terminal: Terminal) {
        for effect in effects {
            switch effect {
            case .bell: terminal.bell()
            case .quit: break
            default:
                let operatorName = state.options.operatorName
                Task.detached { [self] in
                    let action = await source.execute(effect, operatorName: operatorName)
                    post(action)
                }
            }
        }
    }
}
