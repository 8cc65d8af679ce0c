/**
 * Turns a clustercert answer into the resource's outputs, and re-renders stored outputs for
 * another context. Pure: no I/O, the clock is passed in.
 */
import { countCertificates, inspectClientCertificate } from "../kube/certificate";
import {
    decodePemData, encodePemData, endpointsOf, KubeconfigError, parseKubeconfigYaml, renderKubeconfig, selectContext, type Kubeconfig, type NamedUser,
} from "../kube/kubeconfig";
import { certificatesOnly, privateKeyOnly } from "../kube/pem";
import { hasControls, quote } from "../util/text";
import type { ApiCall, ClusterCertState, ContextName } from "./types";
import { ClusterCertError } from "../util/errors";

/** What the certificate was requested for: the resolved inputs that are kept in state. */
export type Requested = Pick<
    ClusterCertState,
    "clusterId" | "clusterType" | "projectId" | "region" | "endpoint" | "duration" | "requestedExpiresAt" | "renewBeforeDays" | "legacyApi" | "revokeOnDelete" | "mode" | "execCommand"
> & { context?: ContextName };

export interface Answer {
    kubeconfig: Kubeconfig;
    portId?: string;
    apiCall: ApiCall;
}

/** How far a certificate's start may lie ahead of this machine's clock (clock skew) before it is refused. */
export const NOT_BEFORE_SKEW_MS = 5 * 60 * 1000;

/**
 * The kubeconfig with every `*-data` field checked and canonically re-encoded: CA data holds only
 * certificates (each of which parses), client certificate data only certificates, key data exactly
 * one private key. A private key anywhere else is refused, so it can never reach a CA file.
 */
export function normalizeCredentials(kc: Kubeconfig): Kubeconfig {
    const clusters = kc.clusters.map(({ name, cluster }) => {
        const data = cluster["certificate-authority-data"];
        if (data === undefined || data === "") return { name, cluster };
        const what = `certificate-authority-data of cluster ${quote(name, 60)}`;
        const pem = certificatesOnly(decodePemData(data, what), what);
        countCertificates(pem, what);
        return { name, cluster: { ...cluster, "certificate-authority-data": encodePemData(pem) } };
    });
    const users = kc.users.map(({ name, user }): NamedUser => {
        const out = { ...user };
        const certData = user["client-certificate-data"];
        const keyData = user["client-key-data"];
        if (certData !== undefined) {
            const what = `client-certificate-data of user ${quote(name, 60)}`;
            out["client-certificate-data"] = encodePemData(certificatesOnly(decodePemData(certData, what), what));
        }
        if (keyData !== undefined) {
            const what = `client-key-data of user ${quote(name, 60)}`;
            out["client-key-data"] = encodePemData(privateKeyOnly(decodePemData(keyData, what), what));
        }
        return { name, user: out };
    });
    return { ...kc, clusters, users };
}

/** CCE's own choice of context for a stored state: `external` when the cluster has one (a public IP), else `internal`. */
export function defaultContext(state: Pick<ClusterCertState, "endpoints">): ContextName {
    return state.endpoints.external !== undefined ? "external" : "internal";
}

/** The parts of the state that depend on the chosen context. */
function describeContext(kc: Kubeconfig, context: ContextName | undefined) {
    const sel = selectContext(kc, context);
    const chosen = sel.context.name;
    if (chosen !== "internal" && chosen !== "external") {
        throw new KubeconfigError(`its current-context ${quote(chosen, 60)} is neither "internal" nor "external": pass context explicitly`);
    }
    const caData = sel.cluster.cluster["certificate-authority-data"] ?? kc.clusters.find((c) => c.cluster["certificate-authority-data"])?.cluster["certificate-authority-data"];
    const clusterCaCertificate = caData !== undefined && caData !== "" ? Buffer.from(caData, "base64").toString("utf8") : undefined;
    return {
        kubeconfig: renderKubeconfig(kc, chosen),
        context: chosen as ContextName,
        currentContext: chosen,
        server: sel.cluster.cluster.server,
        insecureSkipTlsVerify: sel.cluster.cluster["insecure-skip-tls-verify"] === true,
        clusterCaCertificate,
        endpoints: endpointsOf(kc),
        user: sel.user,
    };
}

/** The full outputs for a freshly issued certificate; throws KubeconfigError/PemError/CertificateError naming what is wrong. */
export function buildState(requested: Requested, answer: Answer, now: Date): ClusterCertState {
    const { user, ...ctx } = describeContext(normalizeCredentials(answer.kubeconfig), requested.context);
    const clientCertificate = decodePemData(user.user["client-certificate-data"], `client-certificate-data of user ${quote(user.name, 60)}`, /-----BEGIN CERTIFICATE-----/);
    const clientKey = decodePemData(user.user["client-key-data"], `client-key-data of user ${quote(user.name, 60)}`, /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    const info = inspectClientCertificate(clientCertificate, clientKey);
    if (info.notAfter.getTime() <= now.getTime()) {
        throw new CertificateRejected(`the client certificate it issued already expired at ${info.notAfter.toISOString()}`);
    }
    if (info.notBefore.getTime() > now.getTime() + NOT_BEFORE_SKEW_MS) {
        throw new CertificateRejected(
            `the client certificate it issued is not valid before ${info.notBefore.toISOString()}, later than this machine's time ${now.toISOString()} ` +
                `plus ${NOT_BEFORE_SKEW_MS / 60_000} minutes (check this machine's clock)`,
        );
    }
    if (info.commonName === "" || info.commonName.length > 256 || hasControls(info.commonName)) {
        throw new CertificateRejected(`the client certificate's subject common name ${quote(info.commonName, 60)} is not a user or agency id`);
    }
    return {
        ...requested,
        ...ctx,
        ...(ctx.clusterCaCertificate === undefined ? {} : { clusterCaCertificate: ctx.clusterCaCertificate }),
        clientCertificate,
        clientKey,
        userId: info.commonName,
        fingerprint: info.fingerprint,
        serialNumber: info.serialNumber,
        issuedAt: info.notBefore.toISOString(),
        expiresAt: info.notAfter.toISOString(),
        ...(answer.portId ? { portId: answer.portId } : {}),
        apiCall: answer.apiCall,
    };
}

/** A certificate that parses but must not be used. */
export class CertificateRejected extends ClusterCertError {
    constructor(message: string, cause?: unknown) {
        super("bad-data", message, cause !== undefined ? { cause } : {});
    }
}

/**
 * The stored kubeconfig with its `*-data` fields checked like a fresh answer's: a state written
 * before these checks may hold junk around its CA certificate, or a private key among it.
 */
function storedKubeconfig(text: string): Kubeconfig {
    const kc = parseKubeconfigYaml(text);
    try {
        return normalizeCredentials(kc);
    } catch (e) {
        throw new KubeconfigError(`the stored kubeconfig cannot be used: ${(e as Error).message}; replace the resource to obtain a new certificate`);
    }
}

/** Stored outputs re-rendered for another context, from the stored kubeconfig: no API call. */
export function rerenderState(state: ClusterCertState, context: ContextName | undefined): ClusterCertState {
    const kc = storedKubeconfig(state.kubeconfig);
    // Without an explicit context, fall back to what CCE itself chose: external when the cluster has it.
    const wanted = context ?? (kc.contexts.some((c) => c.name === "external") ? "external" : "internal");
    const { user: _user, ...ctx } = describeContext(kc, wanted);
    const next: ClusterCertState = { ...state, ...ctx };
    if (ctx.clusterCaCertificate === undefined) delete next.clusterCaCertificate;
    return next;
}
