/**
 * The emulator's CCE Autopilot routes, with raw signed requests (no provider client): an Autopilot
 * cluster is served on `/autopilot/v3/…/clustercert` (POST, `{"duration": N}`) only, a standard
 * cluster on `/api/v3/…` only; Autopilot has no GET and no clustercertrevoke.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import * as https from "node:https";
import { signRequest, type AkSk } from "../provider/huaweicloud/signer";
import { CceEmulator, type KubeconfigJson } from "./emulator";

const P = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const AP = "ap111111-2222-4333-8444-555555555555";
const STD = "st222222-3333-4444-8555-666666666666";
const CREDS: AkSk = { accessKey: "AKAUTOPILOT000000001", secretKey: "SKautopilot00000000000000000000000000001" };
const DAY = 86_400_000;

describe("CCE emulator: Autopilot clusters", function () {
    this.timeout(30_000);
    let emu: CceEmulator;

    function signed(path: string, body: string, method = "POST"): Promise<{ status: number; body: string }> {
        const url = emu.url + path;
        const headers = signRequest({ method, url, headers: { "Content-Type": "application/json", "X-Project-Id": P }, body }, CREDS, new Date());
        return new Promise((resolve, reject) => {
            const req = https.request(url, { method, headers, agent: false, ca: emu.caCertPem }, (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
            });
            req.on("error", reject);
            req.end(body);
        });
    }
    const autopilot = (cluster: string, action = "clustercert") => `/autopilot/v3/projects/${P}/clusters/${cluster}/${action}`;
    const standard = (cluster: string, action = "clustercert") => `/api/v3/projects/${P}/clusters/${cluster}/${action}`;

    before(async () => {
        emu = await CceEmulator.start({
            keyType: "ec",
            credentials: [{ accessKey: CREDS.accessKey, secretKey: CREDS.secretKey, userId: "u".repeat(32) }],
            projects: [{ id: P, name: "eu-west-0" }],
            clusters: [
                { id: AP, projectId: P, type: "autopilot", publicIp: true },
                { id: STD, projectId: P },
            ],
        });
    });
    after(() => emu?.stop());

    it("issues on the Autopilot path for {duration}, with the kubeconfig shape of CCE", async () => {
        const res = await signed(autopilot(AP), JSON.stringify({ duration: 10 }));
        assert.equal(res.status, 200, res.body);
        const kc = JSON.parse(res.body) as KubeconfigJson;
        assert.equal(kc["current-context"], "external");
        const cert = new X509Certificate(Buffer.from(kc.users[0]!.user["client-certificate-data"], "base64").toString("utf8"));
        assert.ok(Math.abs(Date.parse(cert.validTo) - Date.now() - 10 * DAY) < 2 * 60_000);
        assert.equal(emu.cluster(AP).type, "autopilot");
        const minus = await signed(autopilot(AP), JSON.stringify({ duration: -1 }));
        assert.equal(minus.status, 200);
    });

    it("refuses expire_at, a missing or out-of-range duration on the Autopilot path", async () => {
        for (const body of [{ expire_at: "2030-01-01 00:00:00 +0000 UTC" }, {}, { duration: 0 }, { duration: 1828 }, { duration: "5" }]) {
            const res = await signed(autopilot(AP), JSON.stringify(body));
            assert.equal(res.status, 400, JSON.stringify(body));
            assert.equal(JSON.parse(res.body).errorCode, "CCE.01400001");
        }
    });

    it("knows each cluster on its own path only: 404 CCE.01404001 on the other", async () => {
        for (const path of [standard(AP), autopilot(STD)]) {
            const res = await signed(path, JSON.stringify({ duration: 1 }));
            assert.equal(res.status, 404, path);
            assert.equal(JSON.parse(res.body).errorCode, "CCE.01404001");
        }
        assert.equal((await signed(standard(AP, "clustercertrevoke"), JSON.stringify({ userId: "u" }))).status, 404);
        assert.equal((await signed(standard(STD), JSON.stringify({ duration: 1 }))).status, 200);
    });

    it("publishes neither a GET nor a clustercertrevoke for Autopilot (404 APIGW.0101)", async () => {
        for (const [path, method] of [[autopilot(AP), "GET"], [autopilot(AP, "clustercertrevoke"), "POST"]] as const) {
            const res = await signed(path, method === "GET" ? "" : JSON.stringify({ userId: "u" }), method);
            assert.equal(res.status, 404, `${method} ${path}`);
            assert.equal(JSON.parse(res.body).error_code, "APIGW.0101");
        }
    });
});
