/**
 * One emulated CCE cluster: its CA, the client certificates minted for it (and which of them are
 * revoked), its Kubernetes objects and its Kubernetes API endpoints.
 */
import type { CallRecord } from "./call-log";
import { KubeApiServers } from "./kube-api";
import { KubeStore } from "./kube-store";
import type { ResolvedCluster } from "./options";
import { createCa, issueCert, selfSignedCert, type CertificateAuthority, type IssuedCert, type KeyType } from "./pki";

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export interface MintedCertificate {
    serialNumber: string;
    userId: string;
    notBefore: Date;
    notAfter: Date;
    revoked: boolean;
    /** The private key handed out with it (PEM), so that tests can check it never leaks. */
    keyPem: string;
}

export interface ClusterDeps {
    caKeyType: KeyType;
    now: () => Date;
    onKubeCall: (record: CallRecord) => void;
}

export class EmulatedCluster {
    private readonly minted = new Map<string, MintedCertificate>();

    private constructor(
        readonly config: ResolvedCluster,
        readonly ca: CertificateAuthority,
        readonly store: KubeStore,
        private readonly kube: KubeApiServers,
    ) {}

    static async create(config: ResolvedCluster, deps: ClusterDeps): Promise<EmulatedCluster> {
        const ca = await createCa({ commonName: "kubernetes", organization: `cce-${config.id.slice(0, 8)}`, keyType: deps.caKeyType });
        const notBefore = new Date(Date.now() - 60 * 60 * 1000);
        const notAfter = new Date(Date.now() + 5 * YEAR_MS);
        const [internal, external] = await Promise.all([
            issueCert(ca, {
                commonName: "kube-apiserver",
                usage: "server",
                keyType: deps.caKeyType,
                notBefore,
                notAfter,
                ips: ["127.0.0.1", "10.247.0.1"],
                dnsNames: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
            }),
            config.publicIp
                ? // Self-signed and for another name: only clients that skip verification get through.
                  selfSignedCert({ commonName: "kube-apiserver-external", usage: "server", keyType: deps.caKeyType, notBefore, notAfter, dnsNames: ["external.cce.invalid"] })
                : Promise.resolve(undefined),
        ]);
        const store = new KubeStore(deps.now);
        let cluster: EmulatedCluster | undefined;
        const kube = await KubeApiServers.start(
            {
                clusterId: config.id,
                version: config.version,
                ca: ca.x509,
                isRevoked: (serial) => cluster?.isRevoked(serial) ?? false,
                store,
                now: deps.now,
                onCall: deps.onKubeCall,
            },
            { internal, ...(external ? { external } : {}) },
        );
        cluster = new EmulatedCluster(config, ca, store, kube);
        return cluster;
    }

    get id(): string {
        return this.config.id;
    }

    get internalUrl(): string {
        return this.kube.internalUrl;
    }

    /** Only for clusters with a public IP. */
    get externalUrl(): string | undefined {
        return this.kube.externalUrl;
    }

    /** Mints a client certificate for `userId` (CN) signed by the cluster CA, and remembers it. */
    async mintClientCert(userId: string, groups: string[], notBefore: Date, notAfter: Date, keyType: KeyType): Promise<IssuedCert> {
        const cert = await issueCert(this.ca, { commonName: userId, organizations: groups, usage: "client", keyType, notBefore, notAfter });
        this.remember(cert);
        return cert;
    }

    /** Records a certificate minted elsewhere for this cluster (so that it can be revoked). */
    remember(cert: IssuedCert): void {
        if (!this.minted.has(cert.serialNumber)) {
            this.minted.set(cert.serialNumber, {
                serialNumber: cert.serialNumber,
                userId: cert.commonName,
                notBefore: cert.notBefore,
                notAfter: cert.notAfter,
                revoked: false,
                keyPem: cert.keyPem,
            });
        }
    }

    /** Revokes every certificate minted so far for `userOrAgencyId` (the CN); returns how many. */
    revoke(userOrAgencyId: string): number {
        let n = 0;
        for (const c of this.minted.values()) {
            if (c.userId === userOrAgencyId && !c.revoked) {
                c.revoked = true;
                n++;
            }
        }
        return n;
    }

    isRevoked(serialNumber: string): boolean {
        return this.minted.get(serialNumber.toUpperCase())?.revoked ?? false;
    }

    /** Every certificate minted for this cluster. */
    certificates(): MintedCertificate[] {
        return [...this.minted.values()].map((c) => ({ ...c }));
    }

    async stop(): Promise<void> {
        await this.kube.stop();
    }
}
