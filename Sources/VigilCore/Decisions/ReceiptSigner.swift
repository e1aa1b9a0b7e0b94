import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Problems with the receipt signing key file.
public enum ReceiptKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String)
    case malformed(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path): return "cannot read or create the receipt signing key at \(path); check permissions"
        case .malformed(let path): return "the receipt signing key at \(path) is damaged; move it aside to create a new one"
        }
    }
}

/// The Ed25519 key that signs receipts (TraceMem spec §11.3). Created on first start beside the database, mode 0600.
public struct ReceiptSigner: Sendable {
    public static let fileName = "receipt-signing.key"

    let privateKey: Curve25519.Signing.PrivateKey
    /// `vk_` + the first 16 hex characters of `sha256(raw public key)`.
    public let keyID: String
    /// Base64url (unpadded) of the raw 32-byte public key.
    public let publicKey: String

    public init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
        let raw = privateKey.publicKey.rawRepresentation
        keyID = "vk_" + String(Encoding.sha256Hex(raw).prefix(16))
        publicKey = Encoding.base64URL(raw)
    }

    /// Loads the key in `directory`, creating it atomically if absent (safe when several processes start at once).
    public static func loadOrCreate(inDirectory directory: String) throws(ReceiptKeyError) -> ReceiptSigner {
        let path = directory + "/" + fileName
        if let existing = try read(path) { return existing }
        let key = Curve25519.Signing.PrivateKey()
        let temporary = path + ".\(getpid()).\(Int.random(in: 0..<1_000_000)).tmp"
        let text = Encoding.base64URL(key.rawRepresentation) + "\n"
        guard FileManager.default.createFile(
            atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw ReceiptKeyError.unreadable(path: path) }
        defer { unlink(temporary) }
        if link(temporary, path) != 0, errno != EEXIST { throw ReceiptKeyError.unreadable(path: path) }
        guard let loaded = try read(path) else { throw ReceiptKeyError.unreadable(path: path) }
        return loaded
    }

    private static func read(_ path: String) throws(ReceiptKeyError) -> ReceiptSigner? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw ReceiptKeyError.unreadable(path: path) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Encoding.fromBase64URL(text), raw.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else { throw ReceiptKeyError.malformed(path: path) }
        return ReceiptSigner(privateKey: key)
    }

    /// `sig_` + base64url of the Ed25519 signature over `JCS(receiptData)`.
    public func sign(_ receiptData: JSONValue) -> String {
        let signature = (try? privateKey.signature(for: receiptData.canonicalBytes)) ?? Data()
        return "sig_" + Encoding.base64URL(signature)
    }
}
