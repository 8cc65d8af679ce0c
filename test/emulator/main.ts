/**
 * Runs the CCE emulator standalone:
 *
 *   node dist/test/emulator/main.js [--port N] [--config file.json] [--benchmark]
 *
 * Prints one JSON line on stdout (url, caFile, credentials, projectId, clusters…), then serves
 * until SIGINT or SIGTERM. Without --config it serves `demoOptions()`: project "eu-west-0", a
 * cluster with a public IP and one without, a demo AK/SK and a demo password user. The config
 * file is a JSON `EmulatorOptions` (dates as strings; `now` cannot be set).
 */
import { readFileSync } from "node:fs";
import { demoOptions, type EmulatorOptions } from "./options";
import { CceEmulator } from "./server";

interface Args {
    port?: number;
    config?: string;
    benchmark: boolean;
}

function usage(message: string): never {
    process.stderr.write(`${message}\nusage: node dist/test/emulator/main.js [--port N] [--config file.json] [--benchmark]\n`);
    process.exit(2);
}

function parseArgs(argv: string[]): Args {
    const args: Args = { benchmark: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i] as string;
        const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
        const value = (): string => {
            const v = inline ?? argv[++i];
            if (v === undefined) usage(`${flag} needs a value`);
            return v;
        };
        switch (flag) {
            case "--port": {
                const n = Number(value());
                if (!Number.isInteger(n) || n < 0 || n > 65535) usage("--port must be 0..65535");
                args.port = n;
                break;
            }
            case "--config":
                args.config = value();
                break;
            case "--benchmark":
                args.benchmark = true;
                break;
            case "--help":
            case "-h":
                usage("CCE + IAM emulator (test-only)");
                break;
            default:
                usage(`unknown argument ${a}`);
        }
    }
    return args;
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    let options: EmulatorOptions = demoOptions();
    if (args.config !== undefined) {
        try {
            options = JSON.parse(readFileSync(args.config, "utf8")) as EmulatorOptions;
        } catch (e) {
            usage(`cannot read ${args.config}: ${(e as Error).message}`);
        }
    }
    if (args.port !== undefined) options = { ...options, port: args.port };
    if (args.benchmark) options = { ...options, benchmark: options.benchmark || true };

    const emulator = await CceEmulator.start(options);
    const s = emulator.settings;
    const line = {
        url: emulator.url,
        iamUrl: emulator.url,
        caFile: emulator.caFile,
        region: s.projects[0]?.name,
        projectId: s.projects[0]?.id,
        projects: s.projects.map((p) => ({ id: p.id, name: p.name })),
        credentials: s.credentials.map((c) => ({ accessKey: c.accessKey, secretKey: c.secretKey, ...(c.securityToken ? { securityToken: c.securityToken } : {}), userId: c.userId })),
        passwordUsers: s.passwordUsers.map((u) => ({ domain: u.domain, name: u.name, password: u.password, userId: u.userId })),
        clusters: emulator.clusters.map((c) => ({
            id: c.id,
            projectId: c.projectId,
            name: c.name,
            version: c.version,
            publicIp: c.publicIp,
            internalUrl: c.internalUrl,
            ...(c.externalUrl ? { externalUrl: c.externalUrl } : {}),
        })),
        clusterIds: emulator.clusters.map((c) => c.id),
    };
    process.stdout.write(JSON.stringify(line) + "\n");

    let stopping = false;
    const shutdown = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`cce-emulator: ${signal}, stopping\n`);
        emulator.stop().then(
            () => process.exit(0),
            (e: unknown) => {
                process.stderr.write(`cce-emulator: stop failed: ${(e as Error).message}\n`);
                process.exit(1);
            },
        );
    };
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((e: unknown) => {
    process.stderr.write(`cce-emulator: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
});
