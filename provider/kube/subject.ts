/**
 * Who a client certificate is for, as Kubernetes reads it: the subject's common name (the user) and
 * its organizations (the groups). Pure (node:crypto parses the certificate).
 */
import { X509Certificate } from "node:crypto";
import { ClusterCertError } from "../util/errors";

/** The subject's attributes of one type, in order, unescaped (node writes the subject as RFC 2253 lines). */
function attributes(subject: string, type: string): string[] {
    const out: string[] = [];
    for (const line of subject.split("\n")) {
        const eq = line.indexOf("=");
        if (eq < 0 || line.slice(0, eq) !== type) continue;
        out.push(line.slice(eq + 1).replace(/\\([0-9A-Fa-f]{2}|[\s\S])/g, (_m, c: string) => (c.length === 2 ? String.fromCharCode(parseInt(c, 16)) : c)));
    }
    return out;
}

/** The organizations (O=) of the certificate's subject: the Kubernetes groups it carries. */
export function subjectOrganizations(pem: string, what = "the client certificate"): string[] {
    let cert: X509Certificate;
    try {
        cert = new X509Certificate(pem);
    } catch {
        throw new ClusterCertError("bad-data", `${what} is not a valid PEM X.509 certificate`);
    }
    return attributes(cert.subject, "O");
}
