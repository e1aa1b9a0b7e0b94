// The SDK's values are JSON; users get the JSON type without importing the whole core (whose memory types share
// names with the SDK's wire-level ones).
@_exported import enum VigilCore.JSONValue
@_exported import typealias VigilCore.JSONObject
