import FlowTestSupport
import Foundation
import XCTest

/// Asserts that an exported line gives back the input line's flow: byte for byte when the
/// input was canonical, else as equal JSON values.
func assertSameFlow(_ exported: Data?, _ input: String, file: StaticString = #filePath, line: UInt = #line) throws {
    guard let exported else { return XCTFail("flow missing from export: \(input.prefix(120))", file: file, line: line) }
    if exported == Data(input.utf8) { return }
    let got = try jsonObject(exported)["flow"] as? NSDictionary
    XCTAssertEqual(got, try flowObject(input), file: file, line: line)
}
