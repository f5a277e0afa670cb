import Foundation
import Keys
import Testing

/// Every reader of a user's or an operator's file goes through `BoundedFile`: what it answers for each kind
/// of path is what `sbp` and the node print.
@Suite("Bounded file reads")
struct BoundedFileTests {
    /// A fresh directory holding `small` (3 bytes) and `empty`, removed afterwards.
    static func withFiles(_ body: (String) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "sbp-bounded-file-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: directory + "/small"))
        try Data().write(to: URL(fileURLWithPath: directory + "/empty"))
        try body(directory)
    }

    @Test("a file within its bound is read whole, at the bound too, and an empty file is no bytes")
    func withinTheBound() throws {
        try Self.withFiles { directory in
            let small = try BoundedFile.read(directory + "/small", bytesMax: 100)
            let atTheBound = try BoundedFile.read(directory + "/small", bytesMax: 3)
            let empty = try BoundedFile.read(directory + "/empty", bytesMax: 0)
            #expect(small == [1, 2, 3])
            #expect(atTheBound == [1, 2, 3])
            #expect(empty == [])
        }
    }

    @Test("a file over its bound, a missing file, a directory and a path through a file are refused in words")
    func refusals() throws {
        try Self.withFiles { directory in
            let cases: [(path: String, bytesMax: Int, error: BoundedFileError)] = [
                (directory + "/small", 2, .tooLarge(path: directory + "/small", bytesMax: 2)),
                (directory + "/absent", 10, .unreadable(path: directory + "/absent", reason: "no such file")),
                (directory, 10, .unreadable(path: directory, reason: "is a directory, not a file")),
                (
                    directory + "/small/key", 10,
                    .unreadable(path: directory + "/small/key", reason: "a part of the path is not a directory")
                ),
            ]
            for (path, bytesMax, error) in cases {
                #expect(throws: error) { try BoundedFile.read(path, bytesMax: bytesMax) }
            }
            #expect(BoundedFileError.tooLarge(path: "f", bytesMax: 2).description == "f: larger than 2 bytes")
        }
    }

    @Test("a file is written and synced; an existing one is kept unless replacing; bad places are refused in words")
    func writes() throws {
        try Self.withFiles { directory in
            let path = directory + "/written"
            try FileWriter.write([7, 8], to: path, replacing: false)
            #expect(try BoundedFile.read(path, bytesMax: 10) == [7, 8])
            #expect(throws: FileWriteError(path: path, reason: "a file is already there")) {
                try FileWriter.write([9], to: path, replacing: false)
            }
            try FileWriter.write([9], to: path, replacing: true)
            #expect(try BoundedFile.read(path, bytesMax: 10) == [9])
            let refusals: [(path: String, reason: String)] = [
                (directory, "is a directory, not a file"),
                (directory + "/absent/file", "no such directory"),
                ("/dev/full", "no space left on the device"),
            ]
            for (path, reason) in refusals {
                #expect(throws: FileWriteError(path: path, reason: reason)) { try FileWriter.write([1], to: path, replacing: true) }
            }
            #expect(FileWriter.problem(writing: path) == nil)
            #expect(FileWriter.problem(writing: directory) == FileWriteError(path: directory, reason: "is a directory, not a file"))
            #expect(
                FileWriter.problem(writing: directory + "/absent/file")
                    == FileWriteError(path: directory + "/absent/file", reason: "its directory: no such directory"))
        }
    }

    @Test("directories are made with their parents, an existing one is fine, and a file on the way is refused in words")
    func directories() throws {
        try Self.withFiles { directory in
            try FileWriter.makeDirectories(directory + "/a/b/c")
            try FileWriter.makeDirectories(directory + "/a/b")
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: directory + "/a/b/c", isDirectory: &isDirectory) && isDirectory.boolValue)
            let underFile = FileWriteError(path: directory + "/small/x", reason: "a part of the path is not a directory")
            #expect(throws: underFile) { try FileWriter.makeDirectories(directory + "/small/x") }
            #expect(throws: FileWriteError(path: directory + "/small", reason: "a part of the path is not a directory")) {
                try FileWriter.makeDirectories(directory + "/small")
            }
        }
    }
}
