import AsyncHTTPClient

extension HTTPClient {
    /// The HTTP client the remote clients share by default: AsyncHTTPClient's own shared settings, except that a
    /// connection that cannot be made fails the request at once.
    ///
    /// AsyncHTTPClient otherwise retries a refused connection with backoff until the request's deadline, so an SDK
    /// call against a stopped server or a wrong port would wait out its whole timeout (30 s by default) before saying
    /// anything. Users of one vigil or TraceMem endpoint want "cannot reach …, connection refused" straight away.
    public static let vigilShared: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
