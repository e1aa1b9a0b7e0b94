extension Array where Element == Double {
    /// The nearest-rank percentile (`p` in 0…1) of these samples; 0 when there are none.
    func percentile(_ p: Double) -> Double {
        let sorted = self.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[Swift.min(sorted.count - 1, Swift.max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
    }
}
