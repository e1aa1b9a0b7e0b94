/// A failure of the SQLite store, phrased so the operator knows what to do. Never carries payload values.
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
        }
    }
}
