import Crypto
import Foundation

/// Verifies receipts without trusting anything outside the signature (TraceMem spec §11.3): every field a receipt
/// states beside `receipt_data` must repeat a signed one, the algorithm must be one vigil knows, the signature must
/// verify over `JCS(receipt_data)`, and an exported trace must hash up to the signed chain head. None of this needs a
/// vigil store: a third party with the public key (``ReceiptPublicKey``) checks it offline.
public enum ReceiptVerification {
    /// The signature algorithms vigil signs and verifies with.
    public static let knownAlgorithms: Set<String> = ["Ed25519"]

    /// Every field a receipt result may have (spec §11.3). All but `signature` and `receipt_data` repeat a signed field.
    static let resultFields: Set<String> = [
        "decision_id", "status", "final", "signature", "signed_at", "algorithm", "key_id", "receipt_data",
    ]

    /// Why a receipt does not verify.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case malformed(String)
        case unknownKey(String)
        case badSignature
        case chainMismatch(expected: String, actual: String)
        case chainBroken(seq: Int)
        case decisionMissing(String)
        /// A field outside `receipt_data` says something the signed data does not.
        case unsignedStatement(field: String, stated: String, signed: String)
        /// A field the receipt format does not have: nothing signs it.
        case unsignedField(String)
        case unknownAlgorithm(String)
        /// The key given is not the one the receipt names.
        case wrongKey(receipt: String, given: String)
        /// The exported trace is not the one the receipt vouches for, or not whole.
        case traceMismatch(String)

        public var description: String {
            switch self {
            case .malformed(let what): return "not a vigil receipt: \(what)"
            case .unknownKey(let keyID): return "unknown signing key \(keyID); verify against the store that issued it"
            case .badSignature: return "the signature does not match the receipt data"
            case .chainMismatch(let expected, let actual):
                return "the trace does not match the receipt (receipt head \(expected.prefix(12))…, trace head \(actual.prefix(12))…)"
            case .chainBroken(let seq): return "the trace is broken at event seq \(seq): it was altered"
            case .decisionMissing(let id): return "decision \(id) is not in this store"
            case .unsignedStatement(let field, let stated, let signed):
                return "the receipt states \(field) \(stated), but its signed receipt_data says \(signed): it was altered"
            case .unsignedField(let field):
                return "the receipt has a field '\(field)' that nothing signs: it was altered"
            case .unknownAlgorithm(let algorithm):
                return "unknown signature algorithm '\(algorithm)' (vigil knows \(ReceiptVerification.knownAlgorithms.sorted().joined(separator: ", ")))"
            case .wrongKey(let receipt, let given):
                return "the receipt was signed with key \(receipt), but the key given is \(given)"
            case .traceMismatch(let why): return why
            }
        }
    }

    /// What a receipt's signature covers, read once every other field was found to agree with it.
    public struct Signed: Sendable, Equatable {
        public var decisionID: String
        public var status: String
        /// The decision was closed (committed or aborted) when this was signed: the receipt covers the whole chain.
        public var isFinal: Bool
        public var keyID: String
        public var algorithm: String
        public var signedAt: String
        public var eventCount: Int
        public var chainHeadHash: String
    }

    /// Checks that the receipt states nothing its signature does not cover, and reads what it covers.
    public static func statements(of receipt: JSONValue) throws(Failure) -> Signed {
        guard let result = receipt.objectValue else { throw .malformed("not a JSON object") }
        guard let data = result["receipt_data"]?.objectValue else { throw .malformed("receipt_data is missing") }
        func signedString(_ key: String) throws(Failure) -> String {
            guard let value = data[key]?.stringValue else { throw .malformed("receipt_data.\(key) is missing") }
            return value
        }
        // Receipts signed before vigil signed the algorithm name were all Ed25519.
        let algorithm = data["algorithm"] == nil ? "Ed25519" : try signedString("algorithm")
        if let stated = result["algorithm"]?.stringValue, !knownAlgorithms.contains(stated) { throw .unknownAlgorithm(stated) }
        guard knownAlgorithms.contains(algorithm) else { throw .unknownAlgorithm(algorithm) }
        guard let count = data["event_count"]?.integerValue else { throw .malformed("receipt_data.event_count is missing") }
        let status = try signedString("status")
        let signed = Signed(
            decisionID: try signedString("decision_id"), status: status,
            isFinal: DecisionStatus(rawValue: status)?.isTerminal ?? false, keyID: try signedString("key_id"),
            algorithm: algorithm, signedAt: try signedString("signed_at"), eventCount: Int(count),
            chainHeadHash: try signedString("chain_head_hash"))
        for field in result.keys.sorted() where !resultFields.contains(field) { throw .unsignedField(field) }
        let repeated: [(String, JSONValue)] = [
            ("decision_id", .string(signed.decisionID)), ("status", .string(signed.status)), ("final", .bool(signed.isFinal)),
            ("signed_at", .string(signed.signedAt)), ("key_id", .string(signed.keyID)), ("algorithm", .string(algorithm)),
        ]
        for (field, value) in repeated {
            if let stated = result[field], stated != value {
                throw .unsignedStatement(
                    field: field, stated: stated.stringValue ?? stated.canonicalText, signed: value.stringValue ?? value.canonicalText)
            }
        }
        return signed
    }

    /// Checks the receipt's statements (``statements(of:)``) and its signature with `publicKey`.
    @discardableResult
    public static func verifySignature(receipt: JSONValue, publicKey: ReceiptPublicKey) throws(Failure) -> Signed {
        let signed = try statements(of: receipt)
        guard publicKey.keyID == signed.keyID else { throw .wrongKey(receipt: signed.keyID, given: publicKey.keyID) }
        guard let signature = receipt["signature"]?.stringValue, signature.hasPrefix("sig_"),
            let signatureBytes = Encoding.fromBase64URL(String(signature.dropFirst(4)))
        else { throw .malformed("signature is missing or malformed") }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey.raw) else {
            throw .malformed("public key is malformed")
        }
        guard let data = receipt["receipt_data"], key.isValidSignature(signatureBytes, for: data.canonicalBytes) else {
            throw .badSignature
        }
        return signed
    }

    /// Whether `redaction` carries a valid signature by `publicKey` over its statement.
    public static func verifyRedaction(_ redaction: DecisionRedaction, publicKey: ReceiptPublicKey) -> Bool {
        guard redaction.keyID == publicKey.keyID, redaction.signature.hasPrefix("sig_"),
            let bytes = Encoding.fromBase64URL(String(redaction.signature.dropFirst(4))),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey.raw)
        else { return false }
        return key.isValidSignature(bytes, for: redaction.statement.canonicalBytes)
    }

    /// Checks a trace exported with `vigil decisions trace ID --json` (or returned by `decision_trace`) against a
    /// receipt: every event hashes to its `hash` and links to the one before, and the event the receipt counts up to
    /// has the signed head (the last one, for a closed decision).
    ///
    /// An event an operator redacted cannot be rehashed; it passes only with a redaction in the trace's `redactions`
    /// that names its recorded hash and the hash of its body as it now is, signed by `redactionKey` (the server's
    /// published receipt key). Without that key such an event is reported as broken.
    public static func verifyTrace(
        _ trace: JSONValue, against signed: Signed, redactionKey: ReceiptPublicKey? = nil
    ) throws(Failure) -> ChainVerification {
        guard let decisionID = trace["decision_id"]?.stringValue, let events = trace["events"]?.arrayValue else {
            throw .malformed("the trace file has no decision_id or events (export it with vigil decisions trace ID --json)")
        }
        guard decisionID == signed.decisionID else {
            throw .traceMismatch("the trace is of decision \(decisionID), the receipt of \(signed.decisionID)")
        }
        var previous = genesisPrevHash
        var hashes: [String] = []
        var redacted: [DecisionRedaction] = []
        for (index, event) in events.enumerated() {
            let seq = index + 1
            guard var body = event.objectValue, event["seq"]?.integerValue == Int64(seq) else {
                throw .traceMismatch(
                    "the trace lacks event seq \(seq) (filtered or cut); export it whole with vigil decisions trace ID --json")
            }
            let hash = body.removeValue(forKey: "hash")?.stringValue ?? ""
            guard body["decision_id"]?.stringValue == decisionID, body["prev_hash"]?.stringValue == previous else {
                throw .chainBroken(seq: seq)
            }
            let bodyHash = Encoding.sha256Hex(JSONValue.object(body).canonicalText)
            if bodyHash != hash {
                // A value an operator redacted: the event cannot be rehashed, so a signed redaction must vouch for the
                // body as it is. Reported, never passed silently; any other difference is tampering.
                let listed = (trace["redactions"]?.arrayValue ?? []).compactMap(DecisionRedaction.init(json:))
                guard let redaction = listed.last(where: { $0.seq == seq && $0.decisionID == decisionID }),
                    redaction.eventHash == hash, redaction.redactedBodySHA256 == bodyHash,
                    let redactionKey, verifyRedaction(redaction, publicKey: redactionKey)
                else { throw .chainBroken(seq: seq) }
                redacted += listed.filter { $0.seq == seq }
            }
            hashes.append(hash)
            previous = hash
        }
        guard signed.eventCount >= 1, hashes.count >= signed.eventCount else {
            throw .traceMismatch("the trace has \(hashes.count) events; the receipt vouches for \(signed.eventCount)")
        }
        if signed.isFinal, hashes.count != signed.eventCount {
            throw .traceMismatch("the decision was closed with \(signed.eventCount) events, but the trace has \(hashes.count)")
        }
        let head = hashes[signed.eventCount - 1]
        guard head == signed.chainHeadHash else { throw .chainMismatch(expected: signed.chainHeadHash, actual: head) }
        return ChainVerification(decisionID: decisionID, eventCount: hashes.count, headHash: previous, brokenAtSeq: nil, redactions: redacted)
    }
}

/// A receipt signing key's public half, in the encodings people verify with: vigil's base64url of the raw 32 bytes
/// (as `capabilities_get` publishes it) and PEM (SubjectPublicKeyInfo, which OpenSSL and Python's `cryptography` load).
public struct ReceiptPublicKey: Sendable, Equatable {
    public let raw: Data
    public let algorithm = "Ed25519"
    /// When the store first saw the key, when known.
    public var createdAt: String?

    /// The DER of an Ed25519 SubjectPublicKeyInfo before the 32 key bytes (RFC 8410).
    private static let spkiPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]

    public init?(raw: Data, createdAt: String? = nil) {
        guard raw.count == 32 else { return nil }
        self.raw = raw
        self.createdAt = createdAt
    }

    /// A key in vigil's base64url text (as `capabilities_get` publishes it).
    public init?(base64URL: String) {
        guard let raw = Encoding.fromBase64URL(base64URL) else { return nil }
        self.init(raw: raw)
    }

    /// `vk_` + the first 16 hex characters of `sha256(raw public key)` (spec §11.3).
    public var keyID: String { "vk_" + String(Encoding.sha256Hex(raw).prefix(16)) }
    /// Base64url, unpadded, of the raw key.
    public var base64URL: String { Encoding.base64URL(raw) }

    public var pem: String {
        let body = Data(Self.spkiPrefix + raw).base64EncodedString(options: [.lineLength64Characters])
        return "-----BEGIN PUBLIC KEY-----\n\(body)\n-----END PUBLIC KEY-----\n"
    }

    /// The key as `vigil receipts public-key --json` lists it.
    public var json: JSONValue {
        [
            "key_id": .string(keyID), "algorithm": .string(algorithm), "public_key": .string(base64URL),
            "public_key_pem": .string(pem), "created_at": JSONValue(createdAt),
        ]
    }

    /// Reads a key given as text: the JSON `vigil receipts public-key --json` prints (the key named `keyID` is
    /// picked), a PEM public key, or vigil's base64url.
    public static func parse(_ text: String, keyID: String?) throws(ReceiptVerification.Failure) -> ReceiptPublicKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            guard let json = try? JSONParser.parse(trimmed) else { throw .malformed("the public key file is not valid JSON") }
            let entries = json["keys"]?.arrayValue ?? json.arrayValue ?? [json]
            var keys: [ReceiptPublicKey] = []
            for entry in entries {
                guard let text = entry["public_key"]?.stringValue ?? entry["public_key_pem"]?.stringValue else { continue }
                keys.append(try parse(text, keyID: nil))
            }
            guard !keys.isEmpty else { throw .malformed("the public key file lists no keys") }
            if let keyID {
                guard let key = keys.first(where: { $0.keyID == keyID }) else { throw .unknownKey(keyID) }
                return key
            }
            return keys[0]
        }
        if trimmed.hasPrefix("-----BEGIN PUBLIC KEY-----") {
            let body = trimmed.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            guard let der = Data(base64Encoded: body), der.count == spkiPrefix.count + 32, Array(der.prefix(spkiPrefix.count)) == spkiPrefix,
                let key = ReceiptPublicKey(raw: der.suffix(32))
            else { throw .malformed("the PEM is not an Ed25519 public key") }
            return key
        }
        guard let raw = Encoding.fromBase64URL(trimmed), let key = ReceiptPublicKey(raw: raw) else {
            throw .malformed("the public key is neither vigil's base64url, a PEM public key, nor `vigil receipts public-key --json` output")
        }
        return key
    }
}
