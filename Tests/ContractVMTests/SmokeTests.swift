import Testing
import WAT
@testable import ContractVM
