/// Every refusal of the memory engine, with the gRPC status it maps to and Membrane's message text (spec §5.3).
public enum MemoryError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidArgument(String)
    case notFound(String)
    case alreadyExists(String)
    case permissionDenied
    case failedPrecondition(String)

    /// The gRPC status code name.
    public var grpcCode: String {
        switch self {
        case .invalidArgument: return "INVALID_ARGUMENT"
        case .notFound: return "NOT_FOUND"
        case .alreadyExists: return "ALREADY_EXISTS"
        case .permissionDenied: return "PERMISSION_DENIED"
        case .failedPrecondition: return "FAILED_PRECONDITION"
        }
    }

    public var message: String {
        switch self {
        case .invalidArgument(let m), .failedPrecondition(let m): return m
        case .notFound(let id): return "record not found: \(id)"
        case .alreadyExists(let id): return "record \(id) already exists"
        case .permissionDenied: return "access denied by trust context"
        }
    }

    public var description: String { message }

    static let episodicImmutable = MemoryError.failedPrecondition("episodic memory is immutable and cannot be revised")
}
