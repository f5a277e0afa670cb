import ArgumentParser
import ChainTypes

/// `sbp governance`: proposals that change the chain, department votes, and the list of proposals
/// (DESIGN §5, `docs/ledger.md` §7). Proposing and voting need a department admin's key.
struct GovernanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "governance", abstract: "Propose chain changes, vote on them, and list proposals.",
        subcommands: [GovernancePropose.self, GovernanceVote.self, GovernanceList.self])
}

/// Options of every `sbp governance propose` subcommand: when the change applies, its description, the sender.
struct ProposalOptions: ParsableArguments {
    @Option(
        help: """
            Height at which the change applies once passed (default 0: as soon as it passes; department and validator \
            changes no sooner than two blocks after).
            """)
    var activationHeight: UInt64 = 0

    @Option(help: "What the proposal is for (default: the kind of change).")
    var description: String?

    @OptionGroup var sender: SenderOptions

    /// Signs and submits `propose(change)`; the report names the new proposal's id and whether it passed.
    func submit(_ change: ProposalChange, signer: TransactionSender? = nil) async throws {
        let description = self.description ?? change.kindName
        guard description.utf8.count <= Limits.nameBytesMax else {
            throw CommandError("--description is \(description.utf8.count) bytes; at most \(Limits.nameBytesMax)")
        }
        let action = GovernanceAction.propose(change: change, activationHeight: activationHeight, description: description)
        try await (signer ?? TransactionSender(options: sender)).run(
            .governance, payload: action.canonicalBytes, announce: { _ in "proposing \(change.kindName)..." },
            extras: GovernanceOutcome.extras)
    }

    /// Proposes new parameters: the ones in force (`consensus_getParams`, member `member`) with the caller's
    /// overrides applied, checked here as the chain will check them.
    func submitParameters<Parameters>(
        _ member: String, parse: (JSON?) throws -> Parameters, apply: (Parameters) -> Parameters,
        validate: (Parameters) throws(GenesisError) -> Void, change: (Parameters) -> ProposalChange
    ) async throws {
        let signer = try TransactionSender(options: sender)
        let current = try await sender.client.object("consensus_getParams")
        let parameters = apply(try parse(current[member]))
        do {
            try validate(parameters)
        } catch {
            throw CommandError("the chain would refuse these parameters: \(error.field): \(error.reason)")
        }
        try await submit(change(parameters), signer: signer)
    }
}

/// What a governance receipt says about its proposal: the id (the return data) and the decision, if any.
enum GovernanceOutcome {
    /// The decision events of `docs/ledger.md` §6 and the proposal status each leaves.
    static let decisions = [
        "ProposalPassed": "passed", "ProposalActivated": "activated", "ProposalRejected": "rejected", "ProposalFailed": "failed",
    ]

    static func extras(_ transaction: Transaction, _ receipt: JSON) -> [String: JSON] {
        guard receipt["status"]?.string == "success", let hex = receipt["returnData"]?.string, let bytes = Hex.decode(hex),
            let id = try? UInt64(canonicalBytes: bytes)
        else { return [:] }
        let topics = (receipt["events"]?.array ?? []).compactMap { $0["topic"]?.string }
        let status = topics.compactMap { decisions[$0] }.last ?? "open"
        return ["proposalId": .uint64(id), "proposalStatus": .string(status)]
    }
}

/// `sbp governance vote ID --approve|--reject`.
struct GovernanceVote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vote", abstract: "Vote on an open proposal for your department (one vote per department).")

    enum Decision: EnumerableFlag {
        case approve, reject
    }

    @Argument(help: "The proposal id (`sbp governance list`).")
    var id: UInt64

    @Flag(help: "Approve or reject the proposal.")
    var decision: Decision

    @OptionGroup var sender: SenderOptions

    func run() async throws {
        let action = GovernanceAction.vote(proposal: id, approve: decision == .approve)
        try await TransactionSender(options: sender).run(
            .governance, payload: action.canonicalBytes,
            announce: { _ in "voting \(decision == .approve ? "yes" : "no") on proposal \(id)..." },
            extras: GovernanceOutcome.extras)
    }
}

/// `sbp governance list [--status S]`: proposals, newest first (`governance_getProposals`).
struct GovernanceList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List governance proposals, newest first.")

    enum Status: String, ExpressibleByArgument, CaseIterable {
        case open, passed, activated, rejected, expired, failed
    }

    @Option(help: "Only proposals with this status.")
    var status: Status?

    @Option(help: "The most proposals to show.")
    var limit = 20

    @OptionGroup var read: ReadOptions

    func validate() throws {
        guard (1...(CLILimits.proposalPageLimit * CLILimits.proposalPagesMax)).contains(limit) else {
            throw ValidationError("--limit must be 1...\(CLILimits.proposalPageLimit * CLILimits.proposalPagesMax)")
        }
    }

    func run() async throws {
        var proposals: [JSON] = []
        var cursor: JSON = .null
        var pages = 0
        repeat {
            let pageLimit = min(CLILimits.proposalPageLimit, limit - proposals.count)
            let page = try await read.client.object(
                "governance_getProposals", [status.map { .string($0.rawValue) } ?? .null, cursor, .integer(Int64(pageLimit))])
            proposals += page["proposals"]?.array ?? []
            cursor = page["nextCursor"] ?? .null
            pages += 1
        } while !cursor.isNull && proposals.count < limit && pages < CLILimits.proposalPagesMax
        switch read.output {
        case .json: print(JSON.object(["proposals": .array(proposals), "nextCursor": cursor]).rendered())
        case .text:
            if proposals.isEmpty { print("no \(status.map { "\($0.rawValue) " } ?? "")proposals") }
            for proposal in proposals { for line in Self.textLines(proposal) { print(line) } }
            if !cursor.isNull { print("(more: raise --limit)") }
        }
    }

    /// One proposal: id, status, change, department, votes, heights and description.
    static func textLines(_ proposal: JSON) -> [String] {
        let votes = proposal["votes"]?.array ?? []
        let yes = votes.filter { $0["approve"]?.bool == true }.map { $0["department"]?.text ?? "?" }
        let no = votes.filter { $0["approve"]?.bool == false }.map { $0["department"]?.text ?? "?" }
        var lines = [
            "#\(proposal["id"]?.text ?? "?") \(proposal["status"]?.text ?? "?") \(proposal["change"]?["kind"]?.text ?? "?") "
                + "by \(proposal["department"]?.text ?? "?"): \(proposal["description"]?.text ?? "")",
            "  votes     yes [\(yes.joined(separator: ", "))] no [\(no.joined(separator: ", "))]",
            "  heights   created \(proposal["createdHeight"]?.text ?? "?"), expires \(proposal["expiresHeight"]?.text ?? "?"), "
                + "activation \(proposal["activationHeight"]?.text ?? "?"), status since \(proposal["statusHeight"]?.text ?? "?")",
        ]
        if let failure = proposal["failure"], !failure.isNull { lines.append("  failure   \(failure.text)") }
        return lines
    }
}
