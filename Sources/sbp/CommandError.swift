/// A failure the CLI reports as one line on standard error (ArgumentParser prefixes `Error: `).
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
