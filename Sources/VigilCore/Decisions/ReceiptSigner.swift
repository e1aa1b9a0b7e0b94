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

/// Verifies receipts offline: the signature over `JCS(receipt_data)` with the public key named by `key_id`.
public enum ReceiptVerification {
    /// Why a receipt does not verify.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case malformed(String)
        case unknownKey(String)
        case badSignature
        case chainMismatch(expected: String, actual: String)
        case chainBroken(seq: Int)
        case decisionMissing(String)

        public var description: String {
            switch self {
            case .malformed(let what): return "not a vigil receipt: \(what)"
            case .unknownKey(let keyID): return "unknown signing key \(keyID); verify against the store that issued it"
            case .badSignature: return "the signature does not match the receipt data"
            case .chainMismatch(let expected, let actual):
                return "the trace in the store does not match the receipt (receipt head \(expected.prefix(12))…, store head \(actual.prefix(12))…)"
            case .chainBroken(let seq): return "the stored trace is broken at event seq \(seq): it was altered"
            case .decisionMissing(let id): return "decision \(id) is not in this store"
            }
        }
    }

    /// Checks the signature of a receipt result object with a base64url public key.
    public static func verifySignature(receipt: JSONValue, publicKey: String) throws(Failure) {
        guard let data = receipt["receipt_data"], data.objectValue != nil else {
            throw Failure.malformed("receipt_data is missing")
        }
        guard let signature = receipt["signature"]?.stringValue, signature.hasPrefix("sig_"),
            let signatureBytes = Encoding.fromBase64URL(String(signature.dropFirst(4)))
        else { throw Failure.malformed("signature is missing or malformed") }
        guard let keyBytes = Encoding.fromBase64URL(publicKey),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
        else { throw Failure.malformed("public key is malformed") }
        guard key.isValidSignature(signatureBytes, for: data.canonicalBytes) else { throw Failure.badSignature }
    }
}
