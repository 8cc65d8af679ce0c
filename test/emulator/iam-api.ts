/**
 * The IAM routes: password tokens (`POST /v3/auth/tokens`, 201 + `X-Subject-Token`) and project
 * lookup by region name (`GET /v3/projects?name=<region>`).
 */
import { iamError, json, type ApiAnswer } from "./answers";
import type { Identity, IdentityRegistry } from "./identity";
import type { ResolvedOptions } from "./options";

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function get(v: unknown, ...path: string[]): unknown {
    let cur = v;
    for (const p of path) cur = isObject(cur) ? cur[p] : undefined;
    return cur;
}

/** IAM's time format: 2024-01-02T03:04:05.678000Z */
export function iamTime(d: Date): string {
    return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export class IamApi {
    constructor(
        private readonly registry: IdentityRegistry,
        private readonly options: ResolvedOptions,
    ) {}

    /** `POST /v3/auth/tokens` with the password method; the answer and, on success, the user id. */
    issueToken(body: Buffer, now: Date): { answer: ApiAnswer; userId?: string } {
        let parsed: unknown;
        try {
            parsed = JSON.parse(body.toString("utf8"));
        } catch {
            return { answer: iamError(400, "The request body is not valid JSON.", "Bad Request") };
        }
        const methods = get(parsed, "auth", "identity", "methods");
        if (!Array.isArray(methods) || !methods.includes("password")) {
            return { answer: iamError(400, "auth.identity.methods must contain \"password\" (the emulator supports password authentication only).", "Bad Request") };
        }
        const user = get(parsed, "auth", "identity", "password", "user");
        const name = get(user, "name");
        const password = get(user, "password");
        const domainName = get(user, "domain", "name");
        if (typeof name !== "string" || typeof password !== "string" || typeof domainName !== "string") {
            return { answer: iamError(400, "auth.identity.password.user needs name, password and domain.name.", "Bad Request") };
        }
        const record = this.registry.passwordUser(domainName, name);
        if (!record || record.password !== password) {
            return { answer: iamError(401, "The username or password is wrong.", "Unauthorized") };
        }
        const scope = get(parsed, "auth", "scope");
        let project: { id: string; name: string; domainId: string } | undefined;
        if (isObject(get(scope, "project"))) {
            const pname = get(scope, "project", "name");
            const pid = get(scope, "project", "id");
            project = this.options.projects.find((p) => (typeof pid === "string" ? p.id === pid : p.name === pname));
            if (!project) {
                return { answer: iamError(401, `The project ${JSON.stringify(typeof pid === "string" ? pid : pname)} does not exist or the user has no access to it.`, "Unauthorized") };
            }
        }
        const issued = this.registry.issueToken(record, project, now);
        const domain = { id: issued.domainId, name: issued.domainName };
        const token = {
            expires_at: iamTime(issued.expiresAt),
            issued_at: iamTime(issued.issuedAt),
            methods: ["password"],
            catalog: [],
            roles: [{ id: "0", name: "op_fine_grained" }],
            ...(project ? { project: { id: project.id, name: project.name, domain } } : { domain }),
            user: { id: record.userId, name: record.name, domain, password_expires_at: "" },
        };
        return { answer: json(201, { token }, { "X-Subject-Token": issued.token }), userId: record.userId };
    }

    /** `GET /v3/projects[?name=<region>]`: the projects of the account, filtered by exact name. */
    listProjects(query: URLSearchParams, _identity: Identity, baseUrl: string): ApiAnswer {
        const name = query.get("name");
        const projects = this.options.projects
            .filter((p) => name === null || p.name === name)
            .map((p) => ({
                id: p.id,
                name: p.name,
                domain_id: p.domainId,
                parent_id: p.domainId,
                description: "",
                enabled: true,
                is_domain: false,
                links: { self: `${baseUrl}/v3/projects/${p.id}` },
            }));
        const self = `${baseUrl}/v3/projects${query.toString() ? `?${query.toString()}` : ""}`;
        return json(200, { projects, links: { self, previous: null, next: null } });
    }
}
