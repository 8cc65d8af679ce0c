/**
 * `check`'s pure judgement: the `--within` grammar and bounds, the three verdicts at their edges,
 * and reports that keep hostile certificate text off the terminal.
 */
import assert from "node:assert/strict";
import { UsageError } from "../../provider/cli/args";
import { DEFAULT_WINDOW, inWords, judge, parseWindow, renderJson, renderText, type CertificateReport } from "../../provider/cli/expiry";

const DAY = 86_400_000;
const NOW = new Date("2026-11-23T12:00:00Z");

describe("check: --within, verdicts, reports", () => {
    it("reads 7d, 12h, 30m and plain days, from 0 to 1827 days", () => {
        assert.deepEqual(parseWindow("7d"), { ms: 7 * DAY, text: "7d" });
        assert.deepEqual(parseWindow("12h"), { ms: 12 * 3_600_000, text: "12h" });
        assert.deepEqual(parseWindow("30m"), { ms: 30 * 60_000, text: "30m" });
        assert.deepEqual(parseWindow("14"), { ms: 14 * DAY, text: "14d" });
        assert.deepEqual(parseWindow("0"), { ms: 0, text: "0d" });
        assert.equal(parseWindow("1827d").ms, 1827 * DAY);
        assert.equal(parseWindow(`${1827 * 24}h`).ms, 1827 * DAY);
        assert.deepEqual(DEFAULT_WINDOW, { ms: 7 * DAY, text: "7d" });
        for (const bad of ["1828d", `${1827 * 24 + 1}h`, "-1", "7 d", "7w", "1.5d", "", "d", "99999999"]) {
            assert.throws(() => parseWindow(bad), (e: Error) => e instanceof UsageError && /^--within must be a duration like 7d, 12h or 30m/.test(e.message), bad);
        }
    });
    it("judges valid, expiring (at the window's edge too) and expired (at notAfter too)", () => {
        const w = parseWindow("7d");
        assert.equal(judge(new Date(NOW.getTime() + 7 * DAY + 1), w, NOW).status, "valid");
        assert.equal(judge(new Date(NOW.getTime() + 7 * DAY), w, NOW).status, "expiring");
        assert.equal(judge(new Date(NOW.getTime() + 1), w, NOW).status, "expiring");
        assert.equal(judge(NOW, w, NOW).status, "expired");
        assert.equal(judge(new Date(NOW.getTime() - DAY), parseWindow("0"), NOW).status, "expired");
        assert.equal(judge(new Date(NOW.getTime() + 1000), parseWindow("0"), NOW).status, "valid");
    });
    it("says how long in words", () => {
        assert.equal(inWords(3 * DAY + 5), "3 days");
        assert.equal(inWords(-3 * DAY), "3 days");
        assert.equal(inWords(5 * 3_600_000), "5 hours");
        assert.equal(inWords(60_000), "1 minute");
    });
    it("renders text and JSON; certificate text is escaped", () => {
        const r: CertificateReport = {
            source: { file: "/k\u001b[2J", context: "c", user: "u" }, commonName: "cn\u0007", organizations: ["system:masters"], serialNumber: "0A",
            fingerprint: "AA:BB", notBefore: new Date(NOW.getTime() - DAY), notAfter: new Date(NOW.getTime() + 3 * DAY),
        };
        const j = judge(r.notAfter, DEFAULT_WINDOW, NOW);
        const text = renderText(r, j, DEFAULT_WINDOW);
        assert.match(text, /^certificate: \/k\\x1b\[2J \(context c, user u\)\nuser \(CN\): +cn\\x07\ngroups \(O\): +system:masters\n/);
        assert.match(text, /expires: +2026-11-26T12:00:00\.000Z \(in 3 days\)\n/);
        assert.match(text, /status: +EXPIRES WITHIN 7d\n$/);
        const json = JSON.parse(renderJson(r, j, DEFAULT_WINDOW)) as Record<string, unknown>;
        assert.equal(json.status, "expiring");
        assert.equal(json.secondsLeft, 3 * 86400);
        assert.equal(json.commonName, "cn\u0007", "JSON carries the exact value, escaped by JSON itself");
    });
});
