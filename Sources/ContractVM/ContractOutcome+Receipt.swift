import ChainTypes

extension ContractOutcome {
    /// The receipt of the transaction that made this call: status, fuel, message, events, return data.
    ///
    /// A trap becomes a failed receipt with its message (DESIGN §1.5), never a node crash.
    public func receipt(transactionHash: Hash) -> Receipt {
        let receiptStatus: ReceiptStatus
        let message: String
        switch status {
        case .success: (receiptStatus, message) = (.success, "")
        case .reverted(let reason): (receiptStatus, message) = (.reverted, reason)
        case .outOfFuel: (receiptStatus, message) = (.outOfFuel, "out of fuel")
        case .trapped(let reason): (receiptStatus, message) = (.trapped, reason)
        }
        return Receipt(
            transactionHash: transactionHash, status: receiptStatus, fuelUsed: fuelUsed, errorMessage: message,
            events: events, returnData: returnData)
    }
}
