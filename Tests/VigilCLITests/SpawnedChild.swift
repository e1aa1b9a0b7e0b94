import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, its output read by two plain threads and its exit collected with
/// `waitpid` on its own pid.
///
/// Foundation's `Process` is avoided on purpose: on Linux its SIGCHLD handling can block in `wait4` on one running
/// child while another has exited, so with many servers running at once a `waitUntilExit` never returned.
final class SpawnedChild: Sendable {
    let pid: pid_t
    private let stdoutLog = Mutex<[UInt8]>([])
    private let stderrLog = Mutex<[UInt8]>([])
    private let readersDone = Mutex(0)
    private let readerCount: Int
    private let status = Mutex<Int32?>(nil)

    struct SpawnError: Error, CustomStringConvertible { var description: String }

    /// - Parameter mergeOutput: stderr goes to the same log as stdout (in order), for servers.
    init(_ executable: String, _ arguments: [String], environment: [String: String], stdin: String? = nil, mergeOutput: Bool = false) throws {
        func cloexecPipe() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw SpawnError(description: "pipe failed: errno \(errno)") }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            return (fds[0], fds[1])
        }
        let input = try cloexecPipe()
        let out = try cloexecPipe()
        let err = mergeOutput ? nil : try cloexecPipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        posix_spawn_file_actions_adddup2(&actions, out.write, 1)
        posix_spawn_file_actions_adddup2(&actions, err?.write ?? out.write, 2)
        TmuxSession.markDescriptorsCloseOnExec()
        let argv = [executable] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cEnvironment.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, &cArguments, &cEnvironment)
        close(input.read)
        close(out.write)
        if let err { close(err.write) }
        guard spawned == 0 else {
            close(input.write)
            close(out.read)
            if let err { close(err.read) }
            throw SpawnError(description: "cannot run \(executable): errno \(spawned)")
        }
        self.pid = pid
        readerCount = err == nil ? 1 : 2
        if let stdin {
            let bytes = Array(stdin.utf8)
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes { write(input.write, $0.baseAddress! + sent, bytes.count - sent) }
                if n <= 0 { break }
                sent += n
            }
        }
        close(input.write)
        startReader(out.read, stderr: false)
        if let err { startReader(err.read, stderr: true) }
    }

    private func startReader(_ fd: Int32, stderr isStderr: Bool) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                if isStderr {
                    stderrLog.withLock { $0.append(contentsOf: buffer[..<n]) }
                } else {
                    stdoutLog.withLock { $0.append(contentsOf: buffer[..<n]) }
                }
            }
            close(fd)
            readersDone.withLock { $0 += 1 }
        }
        thread.start()
    }

    var stdout: String { String(decoding: stdoutLog.withLock { $0 }, as: UTF8.self) }
    var stderr: String { String(decoding: stderrLog.withLock { $0 }, as: UTF8.self) }

    /// The exit status once the child has ended (128 + signal when killed), else `nil`. Never blocks.
    var exitStatus: Int32? {
        if let known = status.withLock({ $0 }) { return known }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        guard result == pid else { return nil }
        let code = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        status.withLock { $0 = code }
        return code
    }

    /// Waits (without holding a thread) until the child has ended and its output is read; returns the exit status.
    /// Tests use this one: a blocked cooperative thread is one of only two on this machine, and starving the pool
    /// stalls unrelated tests' background work past their deadlines.
    func exited() async -> Int32 {
        while exitStatus == nil { try? await Task.sleep(for: .milliseconds(10)) }
        while readersDone.withLock({ $0 }) < readerCount { try? await Task.sleep(for: .milliseconds(5)) }
        return exitStatus!
    }

    /// Blocks until the child has ended and its output is read; returns the exit status. For plain threads only.
    func waitForExit() -> Int32 {
        while exitStatus == nil { usleep(10_000) }
        while readersDone.withLock({ $0 }) < readerCount { usleep(5_000) }
        return exitStatus!
    }

    /// SIGTERM if still running; the status is collected in the background so no zombie is left.
    func terminate() {
        guard exitStatus == nil else { return }
        Glibc.kill(pid, SIGTERM)
        let thread = Thread { [self] in
            for _ in 0..<1000 where exitStatus == nil { usleep(10_000) }
            if exitStatus == nil {
                Glibc.kill(pid, SIGKILL)
                _ = waitForExit()
            }
        }
        thread.start()
    }

    /// SIGKILL at once; the status is collected in the background.
    func kill() {
        guard exitStatus == nil else { return }
        Glibc.kill(pid, SIGKILL)
        let thread = Thread { [self] in _ = waitForExit() }
        thread.start()
    }
}
