/**
 * Turns a clustercert answer into the resource's outputs, and re-renders stored outputs for
 * another context. Pure: no I/O, the clock is passed in.
 */
import { countCertificates, inspectClientCertificate } from "./certificate";
import {
    decodePemData, endpointsOf, parseKubeconfigYaml, renderKubeconfig, selectContext, type Kubeconfig,
} from "./kubeconfig";
import type { ApiCall, ClusterCertState, ContextName } from "./types";

/** What the certificate was requested for: the resolved inputs that are kept in state. */
export type Requested = Pick<
    ClusterCertState,
    "clusterId" | "projectId" | "region" | "endpoint" | "duration" | "requestedExpiresAt" | "context" | "renewBeforeDays" | "legacyApi" | "revokeOnDelete" | "mode" | "execCommand"
>;

export interface Answer {
    kubeconfig: Kubeconfig;
    portId?: string;
    apiCall: ApiCall;
}

/** The parts of the state that depend on the chosen context. */
function describeContext(kc: Kubeconfig, context: ContextName | undefined) {
    const sel = selectContext(kc, context);
    const caData = sel.cluster.cluster["certificate-authority-data"] ?? kc.clusters.find((c) => c.cluster["certificate-authority-data"])?.cluster["certificate-authority-data"];
    let clusterCaCertificate: string | undefined;
    if (caData !== undefined && caData !== "") {
        clusterCaCertificate = decodePemData(caData, `certificate-authority-data of cluster "${sel.cluster.name}"`, /-----BEGIN CERTIFICATE-----/);
        countCertificates(clusterCaCertificate, `certificate-authority-data of cluster "${sel.cluster.name}"`);
    }
    return {
        kubeconfig: renderKubeconfig(kc, sel.context.name),
        currentContext: sel.context.name,
        server: sel.cluster.cluster.server,
        insecureSkipTlsVerify: sel.cluster.cluster["insecure-skip-tls-verify"] === true,
        clusterCaCertificate,
        endpoints: endpointsOf(kc),
        user: sel.user,
    };
}

/** The full outputs for a freshly issued certificate; throws KubeconfigError/CertificateError naming what is wrong. */
export function buildState(requested: Requested, answer: Answer, now: Date): ClusterCertState {
    const { user, ...ctx } = describeContext(answer.kubeconfig, requested.context);
    const clientCertificate = decodePemData(user.user["client-certificate-data"], `client-certificate-data of user "${user.name}"`, /-----BEGIN CERTIFICATE-----/);
    const clientKey = decodePemData(user.user["client-key-data"], `client-key-data of user "${user.name}"`, /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    const info = inspectClientCertificate(clientCertificate, clientKey);
    if (info.notAfter.getTime() <= now.getTime()) {
        throw new CertificateRejected(`the client certificate it issued already expired at ${info.notAfter.toISOString()}`);
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
export class CertificateRejected extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CertificateRejected";
    }
}

/** Stored outputs re-rendered for another context, from the stored kubeconfig: no API call. */
export function rerenderState(state: ClusterCertState, context: ContextName | undefined): ClusterCertState {
    const kc = parseKubeconfigYaml(state.kubeconfig);
    // Without an explicit context, fall back to what CCE itself chose: external when the cluster has it.
    const wanted = context ?? (kc.contexts.some((c) => c.name === "external") ? "external" : "internal");
    const { user: _user, ...ctx } = describeContext(kc, wanted);
    const next: ClusterCertState = { ...state, ...ctx, context };
    if (ctx.clusterCaCertificate === undefined) delete next.clusterCaCertificate;
    if (context === undefined) delete next.context;
    return next;
}
