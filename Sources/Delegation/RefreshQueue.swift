/// Runs one piece of work per owner at a time; who asks meanwhile gets the running one's result.
actor RefreshQueue {
    private var running: [NotesStore.Owner: Task<Result<OAuthClient.Tokens?, AccountLinking.Problem>, Never>] = [:]

    func run(
        _ owner: NotesStore.Owner, _ work: @escaping @Sendable () async -> Result<OAuthClient.Tokens?, AccountLinking.Problem>
    ) async -> Result<OAuthClient.Tokens?, AccountLinking.Problem> {
        if let task = running[owner] { return await task.value }
        let task = Task { await work() }
        running[owner] = task
        let result = await task.value
        running[owner] = nil
        return result
    }
}
