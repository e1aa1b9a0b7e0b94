import Foundation
import NIOSSL

/// A PEM certificate chain and its private key, which turn an endpoint from plaintext into TLS.
///
/// Both files are loaded once by ``load(certificate:key:endpoint:)`` before anything listens, so a wrong path or
/// a key that is not PEM stops start-up with a message that names the file, rather than failing each handshake.
public struct TLSFiles: Sendable, Equatable {
    public var certificatePath: String
    public var keyPath: String

    /// Checks that both or neither are set and that both files parse; `nil` when neither is set (plaintext).
    /// - Parameter endpoint: the config section the paths came from (`tracemem`, `membrane`), or `nil` when they came
    ///   from `--tls-cert`/`--tls-key`; the error message names it.
    public static func load(certificate: String?, key: String?, endpoint: String?) throws(TLSFilesError) -> TLSFiles? {
        switch (certificate?.isEmpty == false ? certificate : nil, key?.isEmpty == false ? key : nil) {
        case (nil, nil):
            return nil
        case (.some, nil), (nil, .some):
            throw .incomplete(endpoint: endpoint)
        case (let certificate?, let key?):
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(certificate)
                if chain.isEmpty { throw TLSFilesError.unreadable(path: certificate, reason: "no PEM certificate in it") }
            } catch let error as TLSFilesError {
                throw error
            } catch {
                throw .unreadable(path: certificate, reason: "not a PEM certificate chain (\(error))")
            }
            do {
                _ = try NIOSSLPrivateKey(file: key, format: .pem)
            } catch {
                throw .unreadable(path: key, reason: "not a PEM private key (\(error))")
            }
            return TLSFiles(certificatePath: certificate, keyPath: key)
        }
    }

    /// NIOSSL's server configuration for these files (HTTP/1.1 over TLS, for the MCP endpoint).
    func serverConfiguration() throws -> TLSConfiguration {
        TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)))
    }
}

public enum TLSFilesError: Error, Equatable, CustomStringConvertible {
    case incomplete(endpoint: String?)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .incomplete(let endpoint?):
            "TLS needs both \(endpoint).tls_cert_file and \(endpoint).tls_key_file in the config (or --tls-cert and --tls-key)"
        case .incomplete(nil):
            "TLS needs both --tls-cert and --tls-key"
        case .unreadable(let path, let reason):
            "cannot use \(path) for TLS: \(reason)"
        }
    }
}
