/// A failure of the store, phrased so the operator knows what to do. Never carries payload values, and never a
/// database password: a PostgreSQL location is always the URL without it.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The database file or its directory could not be opened or created.
    case cannotOpen(path: String, reason: String)
    /// Another process held the write lock past the busy timeout.
    case busy
    /// The file is not a vigil database, or it is damaged.
    case corrupt(path: String)
    /// The database was written by a newer vigil.
    case newerSchema(path: String)
    /// Any other SQLite failure, with its result code for the log.
    case sqlite(code: Int32, message: String)
    /// A store URL that is not one (`--store`, `VIGIL_STORE`, `[store] url`).
    case invalidLocation(reason: String)
    /// The PostgreSQL server could not be reached, or it refused the connection for a reason other than credentials.
    case unreachable(location: String, reason: String)
    /// The PostgreSQL server refused the user or password.
    case authenticationFailed(location: String)
    /// The connection to the PostgreSQL server broke during a call; nothing of that call was committed.
    case connectionLost(location: String)
    /// Any other PostgreSQL failure, with its SQLSTATE for the log.
    case postgres(sqlstate: String, message: String)

    /// The database is away (not reachable, the connection broke): the call did nothing and can be retried once
    /// it is back.
    public var isUnavailable: Bool {
        switch self {
        case .unreachable, .connectionLost: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open the database at \(path): \(reason). Check the path and its permissions, "
                + "or pass --db PATH (or set VIGIL_DB)."
        case .busy:
            return "the database is busy (another process holds the write lock); nothing was changed. Try again."
        case .corrupt(let path):
            return "\(path) is not a vigil database or is damaged. Move it aside or pass another --db PATH."
        case .newerSchema(let path):
            return "\(path) was created by a newer vigil; upgrade vigil to open it."
        case .sqlite(let code, let message):
            return "database error \(code): \(message)"
        case .invalidLocation(let reason):
            return "not a store URL: \(reason)."
        case .unreachable(let location, let reason):
            return "cannot reach the PostgreSQL store \(location): \(reason). Is the server running, and is the URL right?"
        case .authenticationFailed(let location):
            return "the PostgreSQL server refused the credentials for \(location). Check the user and the password "
                + "(in the URL, PGPASSWORD or ~/.pgpass)."
        case .connectionLost(let location):
            return "lost the connection to the PostgreSQL store \(location); nothing was changed. Try again when it is back."
        case .postgres(let sqlstate, let message):
            return "database error \(sqlstate): \(message)"
        }
    }
}
