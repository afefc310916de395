import Foundation

/// The checkout the tests run from: docs, rules, scripts and packaging are read from it.
package enum Repository {
    package static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}
