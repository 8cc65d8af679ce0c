/**
 * The three ways of making one clustercert call that the per-call benchmark compares:
 *
 * - ours: `issueClusterCert` + `buildState` — sign, send (undici, retries of `callApi`), parse the
 *   JSON, decode the PEM data, check the key against the certificate, read CN/serial/expiry/
 *   fingerprint, render the kubeconfig YAML: everything a create does after credentials and
 *   project are known;
 * - official: `@huaweicloud/huaweicloud-sdk-cce` `createKubernetesClusterCert` (axios, its own
 *   signer, JSON into its model objects; it decodes nothing);
 * - floor: one request signed once, sent again and again with undici `request` over a keep-alive
 *   Agent, the body read and thrown away.
 */
import * as https from "node:https";
import { Agent, request } from "undici";
import { CceClient } from "@huaweicloud/huaweicloud-sdk-cce/v3/CceClient";
import { CertDuration } from "@huaweicloud/huaweicloud-sdk-cce/v3/model/CertDuration";
import { CreateKubernetesClusterCertRequest } from "@huaweicloud/huaweicloud-sdk-cce/v3/model/CreateKubernetesClusterCertRequest";
import { BasicCredentials } from "@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials";
import { callApi, type Auth, type CallOptions } from "../provider/huaweicloud/call";
import { Secrets } from "../provider/util/redact";
import { clusterCertUrl, issueClusterCert } from "../provider/huaweicloud/cce";
import { closeHttp, send } from "../provider/huaweicloud/http";
import { requestedOf } from "../provider/core/issue";
import { parseKubeconfigJson } from "../provider/kube/kubeconfig";
import { buildState } from "../provider/core/state";
import { defaultPolicy } from "../provider/huaweicloud/retry";
import { signRequest, type AkSk } from "../provider/huaweicloud/signer";

/** Where to send, and as whom. */
export interface Target {
    url: string;
    caFile: string;
    caPem: string;
    region: string;
    projectId: string;
    clusterId: string;
    creds: AkSk;
}

export interface BenchClient {
    readonly name: string;
    call(): Promise<void>;
    /** Called before each measured run (the floor re-signs there, outside the timing). */
    prepare?(): void;
    close(): Promise<void>;
}

export const DURATION_DAYS = 365;

export function ours(t: Target): BenchClient {
    const auth: Auth = { kind: "aksk", creds: t.creds };
    const opts: CallOptions = {
        env: { NODE_EXTRA_CA_CERTS: t.caFile },
        timeoutMs: 30_000,
        policy: defaultPolicy(5),
        log: () => undefined,
        now: () => new Date(),
        secrets: new Secrets([t.creds.accessKey, t.creds.secretKey]),
    };
    const requested = requestedOf({ clusterId: t.clusterId, duration: DURATION_DAYS }, t.projectId, t.url, t.region);
    return {
        name: "ours",
        async call() {
            const answer = await issueClusterCert({ endpoint: t.url, projectId: t.projectId, clusterId: t.clusterId, duration: DURATION_DAYS }, auth, opts);
            const { kubeconfig } = parseKubeconfigJson(answer.body);
            const state = buildState(requested, { kubeconfig, apiCall: answer.apiCall, ...(answer.portId ? { portId: answer.portId } : {}) }, opts.now());
            if (state.kubeconfig.length === 0 || state.expiresAt === "") throw new Error("ours: empty outputs");
        },
        close: () => closeHttp(),
    };
}

export function official(t: Target): BenchClient {
    // The SDK's axios instance takes an https.Agent through axiosRequestConfig: the emulator's CA,
    // and keep-alive with unlimited sockets, which is what node's global agent does by default.
    const agent = new https.Agent({ keepAlive: true, ca: t.caPem });
    const client = CceClient.newBuilder()
        .withCredential(new BasicCredentials().withAk(t.creds.accessKey).withSk(t.creds.secretKey).withProjectId(t.projectId))
        .withEndpoint(t.url)
        .withOptions({ axiosRequestConfig: { httpsAgent: agent } })
        .build();
    return {
        name: "official SDK",
        async call() {
            const res = await client.createKubernetesClusterCert(
                new CreateKubernetesClusterCertRequest().withClusterId(t.clusterId).withBody(new CertDuration().withDuration(DURATION_DAYS)),
            );
            if (!res.users || res.users.length === 0) throw new Error("official: no users in the answer");
        },
        async close() {
            agent.destroy();
        },
    };
}

export function floor(t: Target): BenchClient {
    const dispatcher = new Agent({ connect: { ca: [t.caPem] }, keepAliveTimeout: 30_000 });
    const url = clusterCertUrl(t.url, t.projectId, t.clusterId);
    const body = JSON.stringify({ duration: DURATION_DAYS });
    let headers: Record<string, string> = {};
    const sign = (): void => {
        // X-Sdk-Date is fixed per run: the emulator accepts 15 minutes of skew.
        headers = signRequest({ method: "POST", url, headers: { "Content-Type": "application/json", "X-Project-Id": t.projectId }, body }, t.creds, new Date());
    };
    sign();
    return {
        name: "floor (pre-signed undici)",
        prepare: sign,
        async call() {
            const res = await request(url, { method: "POST", headers, body, dispatcher });
            for await (const _chunk of res.body) {
                // read and discarded
            }
            if (res.statusCode !== 200) throw new Error(`floor: status ${res.statusCode}`);
        },
        close: () => dispatcher.close(),
    };
}

/**
 * The steps from the floor to ours, each adding one layer, for the CPU breakdown of a call:
 * our HTTP layer (`send`: dispatcher, time-outs, body as text), signing each call, `callApi`
 * (retry loop, per-origin gate), parsing the answer (`issueClusterCert`), and the outputs (`buildState`).
 */
export function steps(t: Target): BenchClient[] {
    const env = { NODE_EXTRA_CA_CERTS: t.caFile };
    const url = clusterCertUrl(t.url, t.projectId, t.clusterId);
    const body = JSON.stringify({ duration: DURATION_DAYS });
    const headers = { "Content-Type": "application/json", "X-Project-Id": t.projectId };
    const auth: Auth = { kind: "aksk", creds: t.creds };
    const opts: CallOptions = { env, timeoutMs: 30_000, policy: defaultPolicy(5), log: () => undefined, now: () => new Date(), secrets: new Secrets([t.creds.accessKey, t.creds.secretKey]) };
    let presigned: Record<string, string> = {};
    const check = (status: number): void => {
        if (status !== 200) throw new Error(`status ${status}`);
    };
    return [
        floor(t),
        {
            name: "+ our HTTP layer (http.ts send, pre-signed)",
            prepare: () => {
                presigned = signRequest({ method: "POST", url, headers, body }, t.creds, new Date());
            },
            call: async () => check((await send({ method: "POST", url, headers: presigned, body, timeoutMs: 30_000 }, env)).status),
            close: () => closeHttp(),
        },
        {
            name: "+ signing every call",
            call: async () => check((await send({ method: "POST", url, headers: signRequest({ method: "POST", url, headers, body }, t.creds, new Date()), body, timeoutMs: 30_000 }, env)).status),
            close: () => closeHttp(),
        },
        {
            name: "+ callApi (retry loop, per-origin gate)",
            call: async () => check((await callApi({ operation: "CCE clustercert", method: "POST", url, headers, body }, auth, opts)).status),
            close: () => closeHttp(),
        },
        {
            name: "+ parsing the answer (issueClusterCert)",
            call: async () => {
                await issueClusterCert({ endpoint: t.url, projectId: t.projectId, clusterId: t.clusterId, duration: DURATION_DAYS }, auth, opts);
            },
            close: () => closeHttp(),
        },
        { ...ours(t), name: "+ outputs (buildState) = ours" },
    ];
}
