import ChainTypes

/// The validator sets in force by height: genesis first, then each change from its activation height.
///
/// PBFT-NOTES rule 20: the set for height h is a pure function of committed state, so every replica computes
/// the same one; quorums and primaries for a height always come from the set in force at that height.
public struct ValidatorSchedule: Hashable, Sendable {
    /// (first height, set) in ascending first height; the first entry starts at height 1.
    public private(set) var epochs: [(firstHeight: UInt64, validators: ValidatorSet)]

    public init(genesis: ValidatorSet) {
        epochs = [(1, genesis)]
    }

    /// The set in force at `height`.
    public func validators(at height: UInt64) -> ValidatorSet {
        var result = epochs[0].validators
        for epoch in epochs where epoch.firstHeight <= height { result = epoch.validators }
        return result
    }

    /// Schedules `validators` from `firstHeight` on; a later schedule for the same or an earlier height
    /// replaces what it overlaps.
    public mutating func schedule(_ validators: ValidatorSet, from firstHeight: UInt64) {
        precondition(firstHeight >= 1, "epochs start at height 1 or later")
        epochs.removeAll { $0.firstHeight >= firstHeight }
        epochs.append((firstHeight, validators))
    }

    public static func == (lhs: ValidatorSchedule, rhs: ValidatorSchedule) -> Bool {
        lhs.epochs.elementsEqual(rhs.epochs) { $0.firstHeight == $1.firstHeight && $0.validators == $1.validators }
    }

    public func hash(into hasher: inout Hasher) {
        for epoch in epochs {
            hasher.combine(epoch.firstHeight)
            hasher.combine(epoch.validators)
        }
    }
}

/// A validator-set change decided by committed state (a governance transaction), reported with `executed`.
public struct ValidatorSetChange: Hashable, Sendable {
    public var validators: ValidatorSet
    /// The epoch boundary: the first height the new set decides.
    public var activationHeight: UInt64

    public init(validators: ValidatorSet, activationHeight: UInt64) {
        self.validators = validators
        self.activationHeight = activationHeight
    }
}
