import ArgumentParser

/// How read commands print their result: for people (`text`) or for scripts (`json`).
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}
