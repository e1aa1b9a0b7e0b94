import GRDB
import VigilCore

extension StoreError {
    /// Maps a GRDB error onto a store error.
    static func from(_ error: any Error, path: String) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        if let dbError = error as? DatabaseError {
            switch dbError.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy
            case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .corrupt(path: path)
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
                return .cannotOpen(path: path, reason: dbError.message ?? "\(dbError.resultCode)")
            default:
                return .sqlite(code: dbError.extendedResultCode.rawValue, message: dbError.message ?? "unknown")
            }
        }
        return .sqlite(code: -1, message: "\(error)")
    }
}
