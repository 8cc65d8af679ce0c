/**
 * `cce-clustercert check`: who a client certificate is for and when it expires, from a kubeconfig's
 * context or a PEM file, with an exit code CI can act on: 0 valid beyond the `--within` window,
 * 6 expiring within it, 7 expired or no certificate that can be read. No API call, no credentials.
 */
import * as path from "node:path";
import { MAX_CERT_FILE_BYTES, MAX_KUBECONFIG_FILE_BYTES } from "../../core/defaults";
import { readCertificate } from "../../kube/certificate";
import { leafCertificate, parseUserKubeconfig, userCredentialOf } from "../../kube/kubeconfig-user";
import { certificatesOnly } from "../../kube/pem";
import { subjectOrganizations } from "../../kube/subject";
import { ClusterCertError } from "../../util/errors";
import { quote } from "../../util/text";
import { booleanFlag, choiceFlag, HELP_FLAG, parseFlags, stringFlag, UsageError, type FlagSpecs } from "../args";
import { EXIT_EXPIRED, EXIT_EXPIRING, EXIT_OK } from "../exit-codes";
import { DEFAULT_WINDOW, judge, parseWindow, renderJson, renderText, type CertificateReport } from "../expiry";
import { shownPath } from "../files";
import { InputFileError, readInputFile } from "../input-file";
import { note, type CliIo } from "../io";
import { describeError } from "../report";
import { CHECK_HELP } from "../usage";

export const CHECK_FLAGS: FlagSpecs = {
    ...HELP_FLAG,
    kubeconfig: { type: "string" },
    context: { type: "string" },
    cert: { type: "string" },
    within: { type: "string" },
    format: { type: "string" },
};

export const CHECK_FORMATS = ["text", "json"] as const;

/** A kubeconfig whose user has no client certificate (an exec plugin, a token): nothing to check. */
export class NoCertificateError extends ClusterCertError {
    constructor(message: string) {
        super("bad-data", message);
    }
}

function reportOf(pem: string, what: string, source: CertificateReport["source"]): CertificateReport {
    const leaf = leafCertificate(certificatesOnly(pem, what));
    const info = readCertificate(leaf, what);
    return { source, commonName: info.commonName, organizations: subjectOrganizations(leaf, what), serialNumber: info.serialNumber, fingerprint: info.fingerprint, notBefore: info.notBefore, notAfter: info.notAfter };
}

async function fromCertFile(file: string, io: CliIo): Promise<CertificateReport> {
    const read = await readInputFile(file, "--cert", MAX_CERT_FILE_BYTES, io.cwd);
    return reportOf(read.text, `--cert ${shownPath(read.path)}`, { file: read.path });
}

async function fromKubeconfig(file: string, context: string | undefined, io: CliIo): Promise<CertificateReport> {
    const read = await readInputFile(file, "--kubeconfig", MAX_KUBECONFIG_FILE_BYTES, io.cwd);
    const what = `--kubeconfig ${shownPath(read.path)}`;
    const found = userCredentialOf(parseUserKubeconfig(read.text, what), context, what);
    const source = { file: read.path, context: found.context, user: found.user };
    switch (found.kind) {
        case "certificate":
            return reportOf(found.pem, `${what}: user ${quote(found.user, 80)}`, source);
        case "certificate-file": {
            // As kubectl does: a relative path is relative to the kubeconfig's directory.
            const flag = `the client-certificate of user ${quote(found.user, 80)} in ${what}:`;
            const cert = await readInputFile(found.file, flag, MAX_CERT_FILE_BYTES, path.dirname(read.path));
            return reportOf(cert.text, `${flag} ${shownPath(cert.path)}`, { ...source, file: cert.path });
        }
        case "none":
            throw new NoCertificateError(found.why);
    }
}

export async function runCheck(argv: readonly string[], io: CliIo): Promise<number> {
    const flags = parseFlags(argv, CHECK_FLAGS);
    if (booleanFlag(flags, "help")) {
        io.stdout(CHECK_HELP);
        return EXIT_OK;
    }
    const kubeconfig = stringFlag(flags, "kubeconfig");
    const cert = stringFlag(flags, "cert");
    const context = stringFlag(flags, "context");
    if ((kubeconfig === undefined) === (cert === undefined)) throw new UsageError("give either --kubeconfig FILE (optionally with --context NAME) or --cert FILE");
    if (cert !== undefined && context !== undefined) throw new UsageError("--context goes with --kubeconfig, not --cert");
    const within = stringFlag(flags, "within");
    const window = within !== undefined ? parseWindow(within) : DEFAULT_WINDOW;
    const format = choiceFlag(flags, "format", CHECK_FORMATS) ?? "text";
    let report: CertificateReport;
    try {
        report = kubeconfig !== undefined ? await fromKubeconfig(kubeconfig, context, io) : await fromCertFile(cert as string, io);
    } catch (e) {
        // A certificate that cannot be read fails the check like an expired one (exit 7), with one line saying why.
        if (e instanceof InputFileError || (e instanceof ClusterCertError && e.code === "bad-data")) {
            note(io, describeError(e, io.env));
            return EXIT_EXPIRED;
        }
        throw e;
    }
    const judgement = judge(report.notAfter, window, io.now());
    io.stdout(format === "json" ? renderJson(report, judgement, window) : renderText(report, judgement, window));
    return judgement.status === "valid" ? EXIT_OK : judgement.status === "expiring" ? EXIT_EXPIRING : EXIT_EXPIRED;
}
