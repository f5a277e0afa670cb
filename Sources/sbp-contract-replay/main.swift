// sbp-contract-replay: runs the fixed contract call sequence (`ContractReplay`) and prints its transcript.
//
// Usage: sbp-contract-replay [<contracts-directory>]   (default: Genesis/contracts)
//
// Test support for DESIGN §1.3: `ContractVMTests` starts this executable twice, as two separate processes
// standing in for two nodes, and checks that both print the same transcript byte for byte — one line per
// call with status, fuel used, return data, events and storage writes, then a SHA-256 digest line — and
// that it equals the transcript of the same sequence run inside the test process.
import ContractReplay
import Foundation

let arguments = CommandLine.arguments
guard arguments.count <= 2 else {
    FileHandle.standardError.write(Data("usage: sbp-contract-replay [<contracts-directory>]\n".utf8))
    exit(2)
}
let directory = URL(fileURLWithPath: arguments.count == 2 ? arguments[1] : "Genesis/contracts")
do {
    let transcript = try ContractReplay(contractsDirectory: directory).run()
    FileHandle.standardOutput.write(Data(transcript.text.utf8))
} catch {
    FileHandle.standardError.write(Data("sbp-contract-replay: \(error)\n".utf8))
    exit(1)
}
