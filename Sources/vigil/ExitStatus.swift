import ArgumentParser

/// Every status a vigil command exits with. Scripts key on these, so each has one meaning, and every failure a
/// command reports names one of them (``CLIError``) rather than a bare number.
enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    /// Refused: the request was wrong for the data (an unknown id, a closed decision), or a check failed (a broken
    /// chain, an invalid receipt, an incomplete copy).
    case refused = 1
    /// Cannot be used this way: a port that is taken or not loopback, a store URL vigil does not know, the wrong kind
    /// of store for the command.
    case unusable = 2
    /// The store cannot be opened or used, or a file is not a sound store.
    case database = 3
    /// The configuration (or a theme, keymap or TLS file it names) is wrong; the message names the key.
    case configuration = 4
    /// The PostgreSQL server cannot be reached.
    case postgresUnreachable = 5
    /// The PostgreSQL server refused the credentials.
    case postgresCredentials = 6
    /// The store was written by a newer vigil.
    case newerSchema = 7
    /// The command line is wrong, or a terminal is needed and there is none (as ArgumentParser's own usage errors).
    case usage = 64
    /// A file or pipe could not be written (a full disk, a reader that went away): sysexits' EX_IOERR.
    case output = 74
}

extension ExitCode {
    init(_ status: ExitStatus) { self.init(status.rawValue) }
}
