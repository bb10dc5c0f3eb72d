import WorkshopSupport

/// The calendar's contents: a few made-up events for each demo user of the workshop issuer, by `sub`.
enum DemoEvents {
    static let bySubject: [String: [(title: String, start: String)]] = [
        "alice": [
            ("Team stand-up", "2026-12-07T09:00:00Z"), ("Lunch with Bob", "2026-12-07T12:30:00Z"),
            ("Dentist", "2026-12-09T15:00:00Z"),
        ],
        "bob": [("Release review", "2026-12-07T14:00:00Z"), ("Climbing", "2026-12-08T18:00:00Z")],
        "ada": [("Key rotation", "2026-12-07T08:00:00Z"), ("Access review", "2026-12-10T10:00:00Z")],
        "gus": [("Workshop visit", "2026-12-08T10:00:00Z")],
    ]

    /// The events of `subject`, as the API returns them; none for a subject it does not know.
    static func events(of subject: String) -> JSONValue {
        .array((bySubject[subject] ?? []).map { ["title": .string($0.title), "start": .string($0.start)] })
    }
}
