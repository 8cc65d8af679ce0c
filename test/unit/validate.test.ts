import assert from "node:assert/strict";
import { parseRfc3339, UNKNOWN, validateInputs } from "../../provider/core/validate";

const NOW = new Date("2026-11-23T12:00:00Z");

function failures(news: Record<string, unknown>): string[] {
    return validateInputs({ clusterId: "c1", ...news }, NOW).map((f) => f.property);
}

describe("validateInputs", () => {
    it("accepts a minimal and a full valid input", () => {
        assert.deepEqual(validateInputs({ clusterId: "4e3c0a6f-1b2c-11ee-9a3e-0255ac100b0b" }, NOW), []);
        assert.deepEqual(
            failures({
                projectId: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", region: "eu-west-0", duration: -1, endpoint: "https://cce.eu-west-0.myhuaweicloud.com",
                iamEndpoint: "https://iam.myhuaweicloud.com", context: "external", renewBeforeDays: 10, legacyApi: false, revokeOnDelete: true,
                maxRetries: 3, timeoutSeconds: 10, accessKey: "AK", secretKey: "SK", securityToken: "tok", __provider: "x",
            }),
            [],
        );
    });

    const bad: [string, Record<string, unknown>, string][] = [
        ["missing clusterId", { clusterId: undefined }, "clusterId"],
        ["empty clusterId", { clusterId: "" }, "clusterId"],
        ["clusterId with /", { clusterId: "a/b" }, "clusterId"],
        ["clusterId with ..", { clusterId: ".." }, "clusterId"],
        ["clusterId with %", { clusterId: "a%2Fb" }, "clusterId"],
        ["clusterId not a string", { clusterId: 12 }, "clusterId"],
        ["projectId with /", { projectId: "p/../x" }, "projectId"],
        ["empty projectId", { projectId: "" }, "projectId"],
        ["duration 0", { duration: 0 }, "duration"],
        ["duration 1828", { duration: 1828 }, "duration"],
        ["duration 1.5", { duration: 1.5 }, "duration"],
        ["duration \"30\"", { duration: "30" }, "duration"],
        ["duration -2", { duration: -2 }, "duration"],
        ["http endpoint", { endpoint: "http://cce.example.com" }, "endpoint"],
        ["endpoint not a URL", { endpoint: "cce.eu-west-0" }, "endpoint"],
        ["endpoint with credentials", { endpoint: "https://u:p@cce.example.com" }, "endpoint"],
        ["endpoint with query", { endpoint: "https://cce.example.com/?x=1" }, "endpoint"],
        ["ftp endpoint", { endpoint: "ftp://cce.example.com" }, "endpoint"],
        ["http iamEndpoint", { iamEndpoint: "http://iam.example.com" }, "iamEndpoint"],
        ["unknown context", { context: "public" }, "context"],
        ["bad region", { region: "Europe West" }, "region"],
        ["expiresAt not a date", { expiresAt: "next year" }, "expiresAt"],
        ["expiresAt too soon", { expiresAt: "2026-11-23T12:05:00Z" }, "expiresAt"],
        ["expiresAt too late", { expiresAt: "2032-01-01" }, "expiresAt"],
        ["expiresAt with duration", { expiresAt: "2027-01-01", duration: 30 }, "expiresAt"],
        ["negative renewBeforeDays", { renewBeforeDays: -1 }, "renewBeforeDays"],
        ["maxRetries too large", { maxRetries: 100 }, "maxRetries"],
        ["legacyApi not boolean", { legacyApi: "yes" }, "legacyApi"],
        ["accessKey without secretKey", { accessKey: "AK" }, "secretKey"],
        ["securityToken without AK/SK", { securityToken: "t" }, "securityToken"],
        ["unknown argument", { clusterID: "x" }, "clusterID"],
    ];
    for (const [name, news, property] of bad) {
        it(`rejects ${name}`, () => {
            const found = validateInputs({ clusterId: "c1", ...news }, NOW);
            assert.ok(found.some((f) => f.property === property), `expected a failure on ${property}, got ${JSON.stringify(found)}`);
            for (const f of found) assert.ok(f.reason.length > 10);
        });
    }

    it("accepts http only on loopback", () => {
        assert.deepEqual(failures({ endpoint: "http://127.0.0.1:8443" }), []);
        assert.deepEqual(failures({ endpoint: "http://localhost:8443" }), []);
        assert.deepEqual(failures({ endpoint: "http://[::1]:8443" }), []);
    });

    it("skips values that are unknown during preview", () => {
        assert.deepEqual(validateInputs({ clusterId: UNKNOWN, duration: UNKNOWN, endpoint: UNKNOWN, context: UNKNOWN }, NOW), []);
    });

    it("reports one failure per bad field", () => {
        assert.deepEqual(failures({ clusterId: "a/b", duration: 0, context: "x" }).sort(), ["clusterId", "context", "duration"]);
    });
});

describe("parseRfc3339", () => {
    it("reads dates and date-times with zones", () => {
        assert.equal(parseRfc3339("2027-01-31")?.toISOString(), "2027-01-31T00:00:00.000Z");
        assert.equal(parseRfc3339("2027-01-31T12:30:00+02:00")?.toISOString(), "2027-01-31T10:30:00.000Z");
        assert.equal(parseRfc3339("2027-01-31T12:30:00.5Z")?.toISOString(), "2027-01-31T12:30:00.500Z");
    });
    it("refuses other formats", () => {
        for (const s of ["2027-01-31T12:30:00", "31/01/2027", "2027-13-01", "tomorrow", ""]) assert.equal(parseRfc3339(s), undefined, s);
    });
});
