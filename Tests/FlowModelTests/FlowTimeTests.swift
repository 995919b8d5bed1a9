import FlowModel
import XCTest

final class FlowTimeTests: XCTestCase {
    func testFormatsWithProtojsonFractionRule() {
        XCTAssertEqual(FlowTime.format(0), "1970-01-01T00:00:00Z")
        XCTAssertEqual(FlowTime.format(1_500_000_000), "1970-01-01T00:00:01.500Z")
        XCTAssertEqual(FlowTime.format(1_000_500_000), "1970-01-01T00:00:01.000500Z")
        XCTAssertEqual(FlowTime.format(1_000_000_001), "1970-01-01T00:00:01.000000001Z")
        XCTAssertEqual(FlowTime.format(-1), "1969-12-31T23:59:59.999999999Z")
    }

    func testParsesAllFractionLengthsAndOffsets() {
        let base = FlowTime.parse("2021-06-16T16:52:13Z")!
        XCTAssertEqual(FlowTime.parse("2021-06-16T16:52:13.1Z"), base + 100_000_000)
        XCTAssertEqual(FlowTime.parse("2021-06-16T16:52:13.123Z"), base + 123_000_000)
        XCTAssertEqual(FlowTime.parse("2021-06-16T16:52:13.123456Z"), base + 123_456_000)
        XCTAssertEqual(FlowTime.parse("2021-06-16T16:52:13.136834446Z"), base + 136_834_446)
        XCTAssertEqual(FlowTime.parse("2021-06-16T18:52:13+02:00"), base)
        XCTAssertNil(FlowTime.parse("2021-02-30T00:00:00Z"))
        XCTAssertNil(FlowTime.parse("2021-06-16T16:52:13"))
        XCTAssertNil(FlowTime.parse("2021-06-16T16:52:13.Z"))
        XCTAssertNil(FlowTime.parse("2021-06-16T16:52:13.1234567890Z"))
    }

    func testRoundTripsOverManyDays() {
        var t: Int64 = -86_400_000_000_000 * 800
        while t < 86_400_000_000_000 * 30_000 {
            XCTAssertEqual(FlowTime.parse(FlowTime.format(t)), t)
            t += 86_400_000_000_000 * 7 + 3_600_000_123_000
        }
    }

    func testDurations() {
        XCTAssertEqual(DurationText.parse("90m"), 90 * 60_000_000_000)
        XCTAssertEqual(DurationText.parse("2d"), 2 * 86_400_000_000_000)
        XCTAssertEqual(DurationText.parse("1h30m"), 90 * 60_000_000_000)
        XCTAssertEqual(DurationText.parse("500ms"), 500_000_000)
        XCTAssertNil(DurationText.parse("soon"))
        XCTAssertNil(DurationText.parse("5"))
        XCTAssertEqual(DurationText.timeBound("10m", now: 1_000_000_000_000), 1_000_000_000_000 - 600_000_000_000)
    }

    /// The absolute forms hubble observe --since/--until take besides RFC 3339 (Go layouts,
    /// UTC unless a zone is given), each checked against the RFC 3339 spelling of the same time.
    func testHubbleTimeLayouts() {
        let cases = [
            ("2026-01-02", "2026-01-02T00:00:00Z"),
            ("2026-01-02T15", "2026-01-02T15:00:00Z"),
            ("2026-01-02T15:04", "2026-01-02T15:04:00Z"),
            ("2026-01-02T15:04:05", "2026-01-02T15:04:05Z"),
            ("Fri, 02 Jan 2026 15:04:05 -0700", "2026-01-02T22:04:05Z"),
            ("Fri, 02 Jan 2026 15:04:05 +0130", "2026-01-02T13:34:05Z"),
        ]
        for (hubble, rfc3339) in cases {
            XCTAssertNotNil(FlowTime.parse(rfc3339))
            XCTAssertEqual(DurationText.timeBound(hubble, now: 0), FlowTime.parse(rfc3339), hubble)
        }
        for bad in ["2026-01-2", "2026-01-02T1", "2026-01-02T15:4", "2026-13-02", "Fri, 02 Foo 2026 15:04:05 -0700",
                    "Fri, 02 Jan 2026 15:04:05", "02 Jan 2026"] {
            XCTAssertNil(DurationText.timeBound(bad, now: 0), bad)
        }
    }
}
