import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Drives a program in a detached tmux session on a private socket, for end-to-end tests of the dashboard.
final class TmuxSession {
    let socket = "vigil-test-\(UUID().uuidString.prefix(8))"
    private(set) var lastScreen = ""

    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    /// Starts `command` in a `columns`×`rows` window with `environment`.
    init(_ command: [String], environment: [String: String], columns: Int = 120, rows: Int = 40) throws {
        let env = environment.map { "\($0.key)=\($0.value)" }.sorted()
        // The first command starts the tmux server, which keeps whatever it inherits open: give it no pipe.
        // A shell around the program prints how it ended and keeps the pane, so a test can read the status.
        let wrapped = ["/bin/sh", "-c", "\"$@\"; echo \"[exited $?]\"; sleep 600", "sh"] + command
        try tmux(["new-session", "-d", "-x", "\(columns)", "-y", "\(rows)", "--", "env", "-i"] + env + wrapped, capture: false)
    }

    deinit { _ = try? tmux(["kill-server"], capture: false) }

    /// Runs one tmux command with posix_spawn and waitpid. Foundation's `Process` is avoided on purpose: the tmux
    /// server that the first command forks would inherit its internal descriptors, and `waitUntilExit` can then hang.
    /// The child gets /dev/null for stdin and stderr and a close-on-exec pipe (or /dev/null) for stdout.
    @discardableResult
    func tmux(_ arguments: [String], capture: Bool = true) throws -> String {
        let argv = ["/usr/bin/tmux", "-L", socket, "-f", "/dev/null"] + arguments
        var fds: [Int32] = [-1, -1]
        if capture {
            guard pipe(&fds) == 0 else { throw SpawnError(message: "pipe failed") }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if capture {
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        Self.markDescriptorsCloseOnExec()
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        // The server tmux forks keeps the signal mask and dispositions of the thread that started it: a test thread
        // blocks most signals, and a server that cannot take them never exits on kill-server (nor do the programs in
        // it on hang-up). Start it with none blocked and every signal at its default.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, &cArguments, environ)
        if capture { close(fds[1]) }
        guard spawned == 0 else {
            if capture { close(fds[0]) }
            throw SpawnError(message: "cannot run tmux: errno \(spawned)")
        }
        var output = [UInt8]()
        if capture {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fds[0], &buffer, buffer.count)
                if n <= 0 { break }
                output.append(contentsOf: buffer[..<n])
            }
            close(fds[0])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        return String(decoding: output, as: UTF8.self)
    }

    struct SpawnError: Error { var message: String }

    /// Marks every descriptor above stderr close-on-exec. The tmux server lives for the whole test and would
    /// otherwise inherit other tests' pipes (Foundation's `Pipe` does not set the flag), so their readers would never
    /// see end-of-file. The test process itself is unaffected: the flag only matters in children.
    static func markDescriptorsCloseOnExec() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for entry in entries {
            guard let fd = Int32(entry), fd > 2 else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0, flags & FD_CLOEXEC == 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    func send(_ keys: String...) throws { try tmux(["send-keys"] + keys) }
    func type(_ text: String) throws { try tmux(["send-keys", "-l", text]) }
    func resize(columns: Int, rows: Int) throws { try tmux(["resize-window", "-x", "\(columns)", "-y", "\(rows)"]) }

    func screen() -> String {
        lastScreen = (try? tmux(["capture-pane", "-p"])) ?? ""
        return lastScreen
    }

    /// The program's exit status once it has ended (the wrapper prints `[exited N]`), else `nil`.
    func exitStatus() -> Int? {
        guard let range = screen().range(of: #"\[exited (\d+)\]"#, options: .regularExpression) else { return nil }
        return Int(lastScreen[range].dropFirst("[exited ".count).dropLast())
    }

    /// Polls the screen every 50 ms until `predicate` holds or `timeout` passes; returns the last screen on success.
    func waitFor(timeout: TimeInterval = 15, _ predicate: (String) -> Bool) async -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = screen()
            if predicate(text) { return text }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    func waitFor(_ text: String, timeout: TimeInterval = 15) async -> Bool {
        await waitFor(timeout: timeout) { $0.contains(text) } != nil
    }
}
