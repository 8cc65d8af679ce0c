/**
 * The `--help` texts of the program and of each command. Defaults, limits and the credential
 * sources come from where they are defined (`core/defaults.ts`, `core/credential-sources.ts`).
 */
import { credentialSourceList } from "../core/credential-sources";
import {
    DEFAULT_CHECK_WITHIN_DAYS, DEFAULT_CLUSTER_TYPE, DEFAULT_DURATION_DAYS, DEFAULT_MAX_RETRIES, MAX_AUTOPILOT_DURATION_DAYS, MAX_CERT_FILE_BYTES, MAX_CHECK_WITHIN_DAYS,
    MAX_KUBECONFIG_FILE_BYTES, MERGE_BACKUP_SUFFIX, DEFAULT_TIMEOUT_SECONDS, EXEC_DURATION_DAYS, MAX_DURATION_DAYS, MAX_RETRIES_LIMIT, MAX_TIMEOUT_SECONDS,
} from "../core/defaults";

const TARGET = `Target (flags first, then the environment, like the ClusterCert resource):
  --cluster-id ID          the CCE cluster id (required)
  --cluster-type TYPE      standard | autopilot (CCE Autopilot: duration -1 or 1..${MAX_AUTOPILOT_DURATION_DAYS},
                           no --expires-at, no --legacy-api); default ${DEFAULT_CLUSTER_TYPE}
  --project-id ID          project of the cluster; env HW_PROJECT_ID; else discovered from the region via IAM
  --region NAME            e.g. eu-west-0; env HW_REGION_NAME (or OS_REGION_NAME)
  --endpoint URL           CCE endpoint; default https://cce.<region>.myhuaweicloud.com (env HW_CLOUD swaps the domain)
  --iam-endpoint URL       IAM endpoint; env HW_IAM_ENDPOINT; default https://iam.<region>.<cloud>
  --legacy-api             use the deprecated GET (clusters older than v1.13)
  --max-retries N          retries of throttled or failed requests, 0..${MAX_RETRIES_LIMIT}; env HW_MAX_RETRIES; default ${DEFAULT_MAX_RETRIES}
  --timeout-seconds N      time limit per request, 1..${MAX_TIMEOUT_SECONDS}; default ${DEFAULT_TIMEOUT_SECONDS}`;

const CREDENTIALS = `Credentials (environment only, never flags), the first line that has any is used, complete:
${credentialSourceList(true).map((line) => `  ${line}`).join("\n")}
  NODE_EXTRA_CA_CERTS, HTTPS_PROXY and NO_PROXY are honoured.`;

const EXIT_CODES = `Exit codes:
  0 ok   1 local failure (files, a directory others can write to, the cache, a kubeconfig to merge into)
  2 bad usage (flags, missing region, file exists without --force)
  3 authentication/permission (no credentials, 401, 403)   4 not found (404)   5 other API or network error
  6 check: expires within --within   7 check: expired, or no certificate can be read   8 revoke: not confirmed (no --yes)`;

export const MAIN_HELP = `cce-clustercert: X.509 client certificates and kubeconfigs for Huawei Cloud CCE clusters

Usage:
  cce-clustercert get --cluster-id ID [options]              obtain a certificate: files, kubeconfig or JSON
  cce-clustercert kubeconfig --exec --cluster-id ID [options] print a kubeconfig whose user runs exec-credential
  cce-clustercert exec-credential --cluster-id ID [options]   print a kubectl ExecCredential (cached certificate)
  cce-clustercert kubeconfig [--exec] --merge --cluster-id ID  merge cluster, user and context into ~/.kube/config
  cce-clustercert check --kubeconfig FILE | --cert FILE       who a certificate is for, when it expires (exit 6/7)
  cce-clustercert revoke --cluster-id ID --user-id ID --yes   revoke every certificate of a user or agency
  cce-clustercert help [COMMAND] | COMMAND --help | --version

${CREDENTIALS}

${EXIT_CODES}
`;

export const GET_HELP = `Usage: cce-clustercert get --cluster-id ID [options]

Asks CCE for a new client certificate (one clustercert call) and writes it out.

Output:
  --format FORMAT          kubeconfig | json | files
                           default: files with --out-dir, else kubeconfig (printed on stdout)
  --out-dir DIR            write into DIR (created 0700 if missing), files mode 0600:
                             files: kubeconfig, ca.crt, client.crt, client.key
                             kubeconfig: kubeconfig; json: clustercert.json
                           (--format files without --out-dir writes into the current directory)
                           Checked before the certificate is requested: DIR must be writable and
                           not writable by group or others (else: chmod go-w DIR). Files are written
                           all or nothing: after a failure (disk full, EACCES) DIR is as it was.
  --force                  replace existing files (atomically); without it nothing is overwritten
  --duration DAYS          -1 (maximum, 5 years) or 1..${MAX_DURATION_DAYS}; default ${DEFAULT_DURATION_DAYS}
  --expires-at DATE        RFC 3339 date or time, 15 minutes to 5 years ahead (instead of --duration)
  --context NAME           internal | external: which context the kubeconfig selects; default CCE's choice
The expiry is printed on stderr.

${TARGET}

${CREDENTIALS}

${EXIT_CODES}
`;

export const KUBECONFIG_HELP = `Usage: cce-clustercert kubeconfig --exec --cluster-id ID [options]
       cce-clustercert kubeconfig [--exec] --merge --cluster-id ID [--kubeconfig PATH] [--alias NAME] [--set-current] [options]

Prints a kubeconfig whose user is a client-go exec plugin running
  cce-clustercert exec-credential --cluster-id ID --project-id P --region R --endpoint URL --duration=N
so kubectl obtains (and caches) short-lived certificates itself.

The server URL and CA come from one clustercert call (the certificate it returns is put in the
exec-credential cache, so kubectl's first call needs no second one), unless --server is given:
  --server URL             the API server URL; then no API call is made
  --ca-file FILE           with --server: the API server's CA (PEM); default: the system's roots
  --insecure-skip-tls-verify  with --server: do not verify the server (CCE's external endpoint)
Options:
  --exec                   required (without it: the same as \`get\`, printing a kubeconfig with the certificate)
  --context NAME           internal | external: which server to use; default CCE's choice (external if bound)
  --duration DAYS          validity of each certificate the plugin obtains; default ${EXEC_DURATION_DAYS}
  --command CMD            the program kubectl runs, split like a shell would; default "cce-clustercert"
                           (found on kubectl's PATH), e.g. --command "node /opt/cce/dist/provider/cli/main.js"
  --api-version V          v1 (kubectl >= 1.22, default) | v1beta1 (older kubectl)

Merge (with or without --exec; without --exec one certificate is obtained, like get):
  --merge                  merge the cluster, user and context into a kubeconfig file instead of printing
  --kubeconfig PATH        the file; default: the first file of $KUBECONFIG, else ~/.kube/config
                           (created 0600 if missing; a symbolic link, another user's file, a file over
                           ${MAX_KUBECONFIG_FILE_BYTES / 1048576} MiB or one that is not one kubeconfig is refused, unchanged)
  --alias NAME             name of all three entries; default cce-<cluster id>-<context>; an entry of
                           that name is replaced in place, everything else is kept byte for byte
  --set-current            also make it the current context
  The file is replaced atomically (mode 0600); its previous content is kept in PATH${MERGE_BACKUP_SUFFIX}.

${TARGET}

${CREDENTIALS}
The plugin reads the credentials from kubectl's environment.

${EXIT_CODES}
`;

export const EXEC_CREDENTIAL_HELP = `Usage: cce-clustercert exec-credential --cluster-id ID [options]

The kubectl credential plugin: prints an ExecCredential (clientCertificateData, clientKeyData,
expirationTimestamp) on stdout. The certificate is cached (files 0600) under
$XDG_CACHE_HOME/cce-clustercert or ~/.cache/cce-clustercert, keyed by endpoint, project, cluster and
identity (access key id or token hash), and reused until it is within min(10 minutes, 20 % of its
lifetime) of expiry. Concurrent invocations wait for one another and mint once.

The cache directory must belong to you and not be writable by group or others (else exit code 1:
chmod 700 it or set XDG_CACHE_HOME). A cache file is used only if it is a regular file of at most
64 KiB whose certificate and key match and belong to this cluster, endpoint and identity; any other
is replaced (one line on stderr). A stale lock (empty, garbage, its process gone or replaced, older
than 2 minutes) is taken over; a live one is waited for at most 10 s
(env CCE_CLUSTERCERT_LOCK_WAIT_SECONDS, 0..600), then the certificate is obtained without it.

Options:
  --duration DAYS          validity of a new certificate; default ${EXEC_DURATION_DAYS}
  --api-version V          v1 | v1beta1 when kubectl does not say (KUBERNETES_EXEC_INFO); default v1
  --refresh                replace the cached certificate (e.g. after clustercertrevoke) with a new one

${TARGET}

${CREDENTIALS}

${EXIT_CODES}
`;

export const CHECK_HELP = `Usage: cce-clustercert check (--kubeconfig FILE [--context NAME] | --cert FILE) [--within 7d] [--format text|json]

Prints who a client certificate is for (CN: the IAM user or agency id; O: its Kubernetes groups) and
when it expires, and exits by that: no API call, no credentials needed.

  --kubeconfig FILE        the certificate of a context's user (client-certificate-data, or the
                           client-certificate file it names); at most ${MAX_KUBECONFIG_FILE_BYTES / 1048576} MiB
  --context NAME           which context; default: the file's current-context
  --cert FILE              a PEM certificate file (the first certificate is checked; at most
                           ${MAX_CERT_FILE_BYTES / 1048576} MiB; a private key in it is refused)
  --within DURATION        the window before expiry that fails the check: 7d, 12h, 30m, or a plain
                           number of days; 0..${MAX_CHECK_WITHIN_DAYS} days; default ${DEFAULT_CHECK_WITHIN_DAYS}d
  --format FORMAT          text (default) | json
A user with an exec plugin (kubeconfig --exec) or a token has no certificate to check: exit 7.

Exit codes:
  0 valid beyond the window   6 expires within the window   7 expired, or no certificate can be read
  2 bad usage (flags)
`;

/** The target flags revoke takes: no --legacy-api (nor duration, expiry or context). */
const REVOKE_TARGET = TARGET.split("\n")
    .filter((l) => !l.startsWith("  --legacy-api"))
    .join("\n");

export const REVOKE_HELP = `Usage: cce-clustercert revoke --cluster-id ID (--user-id ID | --agency-id ID | --from-kubeconfig FILE) --yes

Revokes (clustercertrevoke) EVERY certificate and kubeconfig the IAM user or agency obtained for the
cluster: console downloads, other stacks' and tools' certificates and exec-credential caches included
stop working. The identity can obtain new ones afterwards.

  --user-id ID             an IAM user id (the CN of the certificates it obtained)
  --agency-id ID           an agency id (certificates obtained through an agency)
  --from-kubeconfig FILE   the CN of the client certificate of FILE's current context, sent as a user id
                           (at most ${MAX_KUBECONFIG_FILE_BYTES / 1048576} MiB; the file is only read)
  --yes                    do it; without --yes nothing is revoked: it prints what would be, exit 8
CCE Autopilot clusters have no revocation API: --cluster-type autopilot is refused (exit 2).
The IAM action needed is cce:cluster:revokeClientCredential.

${REVOKE_TARGET}

${CREDENTIALS}

${EXIT_CODES}
`;
