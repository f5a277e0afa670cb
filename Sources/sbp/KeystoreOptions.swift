import ArgumentParser
import Keys

/// The `--keystore DIR` option shared by the `keys` commands.
struct KeystoreOptions: ParsableArguments {
    @Option(
        name: .customLong("keystore"),
        help: ArgumentHelp(
            "Keystore directory (default: $SBP_HOME/keys, or ~/.sbp/keys when SBP_HOME is unset).",
            valueName: "dir"))
    var directory: String?

    var keystore: Keystore { Keystore(directory: directory ?? Keystore.defaultDirectory()) }
}
