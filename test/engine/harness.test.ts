/**
 * Self-test of the engine harness (test/harness/): the real dynamic-provider host of @pulumi/pulumi,
 * driven over gRPC, with a fixture provider (test/harness/fixtures/counter) and with the real
 * serialized `clusterCertProvider`. Needs `npx tsc -p .` first (the host loads dist/provider/pulumi/runtime.js).
 */
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import { clusterCertProvider } from "../../provider/pulumi/shim";
import { CheckFailedError, Engine, PartialFailureError, type ResourceState } from "../harness/engine";
import { COUNTER_FIXTURE_DIR, COUNTER_FIXTURE_PACKAGE, counterProvider } from "../harness/fixtures/counter-provider";
import { Counter } from "../harness/fixtures/counter-resource";
import { ProviderError, ProviderHost, liveHostCount } from "../harness/host";
import { REPO_ROOT, makeProgramDir, type ProgramDir } from "../harness/program";
import { isSecret, secret, type PropertyMap } from "../harness/properties";
import { outputDetails, serializeProvider, serializeResources } from "../harness/serialize";

const COUNTER_TYPE = "pulumi-nodejs:dynamic/fixture:Counter";

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
    try {
        await p;
    } catch (e) {
        assert.ok(e instanceof Error, `expected an Error, got ${String(e)}`);
        return e;
    }
    assert.fail("expected the promise to reject");
}

/** An environment without credentials or module paths of the test process. */
function cleanEnv(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, HOME: process.env.HOME };
}

describe("engine harness", function () {
    this.timeout(60_000);

    let program: ProgramDir;
    let providerText: string;
    /** Hosts started here: stopped in the hooks below even if a test fails half-way. */
    const hosts: ProviderHost[] = [];
    const track = <T extends ProviderHost | Engine>(x: T): T => {
        hosts.push(x instanceof Engine ? x.host : (x as ProviderHost));
        return x;
    };

    before(async () => {
        program = await makeProgramDir({ links: { [COUNTER_FIXTURE_PACKAGE]: COUNTER_FIXTURE_DIR } });
        providerText = await serializeProvider(counterProvider);
    });

    after(async () => {
        // Only what this file started: other files may share the process (see test/harness/hooks.ts
        // for a root hook that stops everything at the end of the run).
        await Promise.all(hosts.map((h) => h.stop()));
        await program?.cleanup();
        assert.ok(hosts.every((h) => h.exited && !isAlive(h.pid)), "a host is still running");
    });

    describe("ProviderHost", () => {
        let host: ProviderHost;
        const urn = `urn:pulumi:stack::project::${COUNTER_TYPE}::raw`;

        before(async () => {
            host = track(await ProviderHost.start({ cwd: program.dir }));
        });
        after(() => host.stop());

        it("the serialized fixture provider requires its runtime by package name, with no absolute path", () => {
            assert.match(providerText, /require\("counter-fixture"\)/);
            assert.ok(!providerText.includes(REPO_ROOT), "serialized text contains the repository path");
        });

        it("answers GetPluginInfo with the SDK version and Configure with acceptSecrets false", async () => {
            const pkg = JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")) as { version: string };
            assert.deepEqual(await host.getPluginInfo(), { version: pkg.version });
            const res = await host.configure({ "fixture:greeting": "hi" });
            assert.equal(res.acceptSecrets, false);
            assert.equal(res.supportsPreview, false);
        });

        it("round-trips check/create/diff/update/read/delete", async () => {
            const news = { __provider: providerText, count: 1, name: "a" };
            const checked = await host.check(urn, {}, news);
            assert.deepEqual(checked.failures, []);
            assert.deepEqual(checked.inputs, { ...news, checked: true });

            const created = await host.create(urn, checked.inputs);
            assert.match(created.id, /^counter-\d+$/);
            assert.equal(created.properties.__provider, providerText);
            assert.equal(created.properties.count, 1);
            assert.equal(created.properties.greeting, "hi");
            assert.equal(created.properties.cwd, fs.realpathSync(program.dir));
            assert.equal(created.properties.pid, host.pid);

            const same = await host.diff(created.id, urn, created.properties, checked.inputs);
            assert.deepEqual(same, { changes: "none", replaces: [], stables: [], diffs: [], deleteBeforeReplace: false });
            const some = await host.diff(created.id, urn, created.properties, { ...checked.inputs, count: 2 });
            assert.equal(some.changes, "some");
            assert.deepEqual(some.replaces, []);
            const repl = await host.diff(created.id, urn, created.properties, { ...checked.inputs, name: "b", dbr: true });
            assert.deepEqual([repl.changes, repl.replaces, repl.deleteBeforeReplace], ["some", ["name"], true]);

            const updated = await host.update(created.id, urn, created.properties, { ...checked.inputs, count: 2 });
            assert.equal(updated.properties.updated, true);
            assert.equal(updated.properties.count, 2);
            assert.equal(updated.properties.__provider, providerText);

            const read = await host.read(created.id, urn, updated.properties, checked.inputs);
            assert.equal(read.id, created.id);
            assert.equal(read.properties.reads, 1);
            assert.equal(read.inputs, undefined);

            await host.delete(created.id, urn, read.properties);
            await host.waitForLog(`counter: delete ${created.id}`);
        });

        it("an update that returns nothing wipes every output but __provider (host behaviour)", async () => {
            const inputs = { __provider: providerText, count: 1 };
            const created = await host.create(urn, inputs);
            const updated = await host.update(created.id, urn, created.properties, { ...inputs, wipe: true });
            assert.deepEqual(updated.properties, { __provider: providerText });
        });

        it("rejects with the host's message and gRPC code; stack traces of check errors go to stderr", async () => {
            const e1 = await rejection(host.create(urn, { __provider: providerText, count: 1, failCreate: "quota exceeded: 42" }));
            assert.ok(e1 instanceof ProviderError);
            assert.equal(e1.message, "quota exceeded: 42");
            assert.equal(e1.code, grpc.status.UNKNOWN);
            assert.equal(e1.method, "create");
            assert.equal(e1.initFailure, undefined);

            const e2 = await rejection(host.check(urn, {}, { __provider: providerText, failCheck: "check exploded" }));
            assert.ok(e2 instanceof ProviderError);
            assert.equal(e2.message, "check exploded");
            await host.waitForLog("Error: check exploded");
            assert.ok(host.logEntries().some((e) => e.stream === "stderr" && e.line.includes("check exploded")));
            assert.ok(host.logEntries().some((e) => e.stream === "stdout" && e.line === "counter: configure"));
        });

        it("keeps ErrorResourceInitFailed details (id, properties, reasons) of a partial failure", async () => {
            const e = await rejection(host.create(urn, { __provider: providerText, count: 1, partialCreate: "not ready yet" }));
            assert.ok(e instanceof ProviderError);
            assert.equal(e.message, "partially created");
            assert.ok(e.initFailure);
            assert.match(e.initFailure.id, /^counter-\d+$/);
            assert.deepEqual(e.initFailure.reasons, ["not ready yet"]);
            assert.equal(e.initFailure.properties.half, true);
            // The host does not add __provider to partial-failure properties (a later delete could not load the provider).
            assert.equal(e.initFailure.properties.__provider, undefined);
        });

        it("reports the host's memory from /proc", () => {
            const mem = host.memoryUsage();
            assert.ok(mem && mem.rssBytes > 10 * 1024 * 1024 && mem.peakRssBytes >= mem.rssBytes, JSON.stringify(mem));
        });

        it("fails to start with the host's stderr, and leaves no process", async () => {
            const before = liveHostCount();
            const e = await rejection(ProviderHost.start({ cwd: program.dir, nodeArgs: ["--no-such-flag"] }));
            assert.match(e.message, /exited \(code 9.*before printing its port/);
            assert.match(e.message, /bad option: --no-such-flag/);
            assert.equal(liveHostCount(), before);
        });

        it("times out when the host prints no port, kills it and says so", async () => {
            const e = await rejection(
                ProviderHost.start({ cwd: program.dir, nodeArgs: ["-e", "setInterval(() => {}, 1000)"], startTimeoutMs: 1000 }),
            );
            assert.match(e.message, /did not print its port within 1000 ms/);
            const pid = Number(/pid: (\d+)/.exec(e.message)?.[1]);
            assert.ok(pid > 0);
            assert.equal(isAlive(pid), false);
        });

        it("stop() kills the host, waits for its exit and is idempotent", async () => {
            const h = track(await ProviderHost.start({ cwd: program.dir }));
            const pid = h.pid;
            assert.ok(isAlive(pid));
            const count = liveHostCount();
            await h.stop();
            await h.stop();
            assert.equal(h.exited, true);
            assert.equal(isAlive(pid), false);
            assert.equal(liveHostCount(), count - 1);
        });
    });

    describe("Engine", () => {
        let engine: Engine;
        const inputs = (extra: PropertyMap = {}): PropertyMap => ({ __provider: providerText, count: 1, ...extra });
        const methods = (from: number): string[] => engine.calls.slice(from).map((c) => c.method);

        before(async () => {
            engine = track(
                await Engine.start({
                    cwd: program.dir,
                    project: "proj",
                    config: { "fixture:greeting": "hello", "proj:answer": "42", "fixture:token": secret("t0k") },
                }),
            );
        });
        after(() => engine.stop());

        it("passes the whole stack config: namespaced keys, and project keys for config.get(\"x\")", async () => {
            const { state } = await engine.up(undefined, inputs(), { name: "config", type: COUNTER_TYPE });
            assert.equal(state.outputs.greeting, "hello");
            assert.equal(state.outputs.answer, "42");
            // Secret config reaches the provider as a plain string, and nothing marks what it derives.
            assert.equal(state.outputs.token, "t0k");
            assert.ok(!state.secretOutputs.has("token"));
            assert.equal(state.urn, `urn:pulumi:stack::proj::${COUNTER_TYPE}::config`);
        });

        it("create → same → update, with secrets by input name and additionalSecretOutputs", async () => {
            let n = engine.calls.length;
            const news = inputs({ secret: secret("s3cr3t") });
            const r1 = await engine.up(undefined, news, { name: "s", type: COUNTER_TYPE, additionalSecretOutputs: ["serial"] });
            assert.equal(r1.op, "create");
            assert.deepEqual(methods(n), ["check", "create"]);
            const s1 = r1.state;
            assert.equal(s1.outputs.secret, "s3cr3t");
            assert.equal(s1.outputs.secretLength, 6, "the host received the plain value, not a secret marker");
            assert.ok(isSecret(s1.inputs.secret), "stored inputs keep the secret marker");
            assert.deepEqual([...s1.secretOutputs].sort(), ["secret", "serial"]);
            assert.ok(!s1.secretOutputs.has("secretLength"), "a value derived under another name is not secret");

            n = engine.calls.length;
            const r2 = await engine.up(s1, news, { additionalSecretOutputs: ["serial"] });
            assert.equal(r2.op, "same");
            assert.deepEqual(methods(n), ["check", "diff"]);
            assert.deepEqual(r2.state.outputs, s1.outputs);
            assert.deepEqual(r2.state.secretOutputs, s1.secretOutputs);

            n = engine.calls.length;
            const r3 = await engine.up(r2.state, { ...news, count: 5 });
            assert.equal(r3.op, "update");
            assert.deepEqual(methods(n), ["check", "diff", "update"]);
            assert.equal(r3.state.id, s1.id);
            assert.equal(r3.state.outputs.count, 5);
            assert.equal(r3.state.outputs.updated, true);
            assert.deepEqual([...r3.state.secretOutputs], ["secret"]);
        });

        it("an update that returns nothing leaves only __provider in the state", async () => {
            const { state } = await engine.up(undefined, inputs({ secret: secret("x") }), { name: "wipe", type: COUNTER_TYPE });
            const r = await engine.up(state, inputs({ secret: secret("x"), wipe: true }));
            assert.equal(r.op, "update");
            assert.deepEqual(Object.keys(r.state.outputs), ["__provider"]);
            assert.equal(r.state.secretOutputs.size, 0);
        });

        it("preview calls neither create nor update; outputs are the checked inputs", async () => {
            let n = engine.calls.length;
            const p1 = await engine.up(undefined, inputs({ secret: secret("p") }), { name: "pv", type: COUNTER_TYPE, preview: true });
            assert.equal(p1.op, "create");
            assert.deepEqual(methods(n), ["check"]);
            assert.equal(p1.state.id, "");
            assert.deepEqual(p1.state.outputs, { __provider: providerText, count: 1, secret: "p", checked: true });
            assert.ok(p1.state.secretOutputs.has("secret"));

            const { state } = await engine.up(undefined, inputs(), { name: "pv2", type: COUNTER_TYPE });
            n = engine.calls.length;
            const p2 = await engine.up(state, inputs({ count: 9 }), { preview: true });
            assert.equal(p2.op, "update");
            assert.deepEqual(methods(n), ["check", "diff"]);
            assert.equal(p2.state.outputs.count, 9);
            assert.equal(p2.state.outputs.serial, undefined);

            n = engine.calls.length;
            const p3 = await engine.up(state, inputs({ name: "renamed" }), { preview: true });
            assert.equal(p3.op, "replace");
            assert.deepEqual(methods(n), ["check", "diff", "check"]);
        });

        it("replaces create-before-delete, or delete-before-replace when the provider asks", async () => {
            const { state } = await engine.up(undefined, inputs({ name: "a" }), { name: "r", type: COUNTER_TYPE });
            let n = engine.calls.length;
            const r1 = await engine.up(state, inputs({ name: "b" }));
            assert.equal(r1.op, "replace");
            assert.deepEqual(r1.diff?.replaces, ["name"]);
            assert.deepEqual(methods(n), ["check", "diff", "check", "create", "delete"]);
            assert.notEqual(r1.state.id, state.id);
            assert.equal(r1.replaced?.id, state.id);
            await engine.host.waitForLog(`counter: delete ${state.id}`);

            n = engine.calls.length;
            const r2 = await engine.up(r1.state, inputs({ name: "c", dbr: true }));
            assert.equal(r2.op, "replace");
            assert.deepEqual(methods(n), ["check", "diff", "check", "delete", "create"]);
        });

        it("resolves a diff without an answer by comparing old and new inputs", async () => {
            const { state } = await engine.up(undefined, inputs({ noDiff: true }), { name: "nd", type: COUNTER_TYPE });
            const same = await engine.up(state, inputs({ noDiff: true }));
            assert.equal(same.diff?.changes, "unknown");
            assert.equal(same.changes, "none");
            assert.equal(same.op, "same");
            const upd = await engine.up(state, inputs({ noDiff: true, count: 3 }));
            assert.equal(upd.changes, "some");
            assert.equal(upd.op, "update");
        });

        it("rejects check failures with one engine-style line per failure", async () => {
            const e = await rejection(engine.up(undefined, inputs({ count: "x", bad: true }), { name: "bad1", type: COUNTER_TYPE }));
            assert.ok(e instanceof CheckFailedError);
            assert.deepEqual(e.failures, [
                { property: "count", reason: "count must be a number" },
                { property: "", reason: "the resource is bad" },
            ]);
            assert.equal(
                e.message,
                `${COUNTER_TYPE} resource 'bad1': property count value {x} has a problem: count must be a number\n` +
                    `${COUNTER_TYPE} resource 'bad1' has a problem: the resource is bad`,
            );
        });

        it("propagates provider errors; a partial failure keeps the resource and retries with an update", async () => {
            const e1 = await rejection(engine.up(undefined, inputs({ failCreate: "no capacity" }), { name: "f", type: COUNTER_TYPE }));
            assert.ok(e1 instanceof ProviderError);
            assert.equal(e1.message, "no capacity");

            const e2 = await rejection(engine.up(undefined, inputs({ partialCreate: "still booting" }), { name: "pf", type: COUNTER_TYPE }));
            assert.ok(e2 instanceof PartialFailureError);
            assert.equal(e2.message, "1 error occurred:\n\t* still booting\n\n");
            assert.match(e2.state.id, /^counter-\d+$/);
            assert.deepEqual(e2.state.initErrors, ["still booting"]);
            assert.equal(e2.state.outputs.half, true);

            const n = engine.calls.length;
            const retry = await engine.up(e2.state, inputs({ partialCreate: "still booting" }));
            assert.equal(retry.op, "update");
            assert.deepEqual(methods(n), ["check", "diff", "update"]);
            assert.equal(retry.state.initErrors, undefined);
        });

        it("refresh reads with the stored outputs and inputs; destroy deletes", async () => {
            const { state } = await engine.up(undefined, inputs({ secret: secret("r") }), { name: "rf", type: COUNTER_TYPE });
            const refreshed = (await engine.refresh(state)) as ResourceState;
            assert.equal(refreshed.outputs.reads, 1);
            assert.equal(refreshed.outputs.serial, state.outputs.serial);
            assert.ok(refreshed.secretOutputs.has("secret"));
            assert.deepEqual(refreshed.inputs, state.inputs);

            const gone = await engine.up(refreshed, inputs({ secret: secret("r"), gone: true }));
            assert.equal(await engine.refresh(gone.state), undefined);

            await engine.destroy(refreshed);
            await engine.host.waitForLog(`counter: delete ${refreshed.id}`);
            assert.equal(engine.calls[engine.calls.length - 1].method, "delete");
        });
    });

    describe("serializeResources", () => {
        it("captures a dynamic resource: type, name, __provider, secret inputs; config works under mocks", async () => {
            let counter: Counter | undefined;
            const resources = await serializeResources(
                () => {
                    const cfg = new pulumi.Config("fixture");
                    counter = new Counter("c1", { count: Number(cfg.require("count")), secret: cfg.requireSecret("token") });
                },
                { project: "proj", config: { "fixture:count": "3", "fixture:token": "t0k" }, secretConfigKeys: ["fixture:token"] },
            );
            assert.equal(resources.length, 1);
            const [r] = resources;
            assert.equal(r.type, COUNTER_TYPE);
            assert.equal(r.name, "c1");
            assert.equal(r.urn, `urn:pulumi:stack::proj::${COUNTER_TYPE}::c1`);
            assert.equal(r.inputs.__provider, providerText);
            assert.equal(r.inputs.count, 3);
            assert.deepEqual(r.inputs.secret, secret("t0k"));
            assert.equal(r.id, "c1_id");

            assert.ok(counter);
            assert.deepEqual(await outputDetails(counter.secret), { value: "t0k", known: true, secret: true });
            assert.deepEqual(await outputDetails(counter.count), { value: 3, known: true, secret: false });
            assert.deepEqual(await outputDetails(counter.id), { value: "c1_id", known: true, secret: false });

            // The captured inputs run through the real host as they are.
            const engine = track(await Engine.start({ cwd: program.dir }));
            try {
                const { state } = await engine.up(undefined, r.inputs, { name: r.name, type: r.type });
                assert.equal(state.outputs.secret, "t0k");
                assert.ok(state.secretOutputs.has("secret"));
                assert.equal(state.outputs.count, 3);
            } finally {
                await engine.stop();
            }
        });

        it("lets the mock answer outputs, and reports unknown ids in preview", async () => {
            let counter: Counter | undefined;
            await serializeResources(
                () => {
                    counter = new Counter("c2", { count: 1 });
                },
                { newResource: (a) => ({ id: "fixed", state: { ...a.inputs, serial: secret(7) } }) },
            );
            assert.ok(counter);
            assert.deepEqual(await outputDetails(counter.serial), { value: 7, known: true, secret: true });

            const resources = await serializeResources(
                () => {
                    counter = new Counter("c3", { count: 1 });
                },
                { preview: true },
            );
            assert.equal(resources[0].id, undefined);
            assert.deepEqual(await outputDetails(counter.id), { value: undefined, known: false, secret: false });
        });

        it("fails when the closure serializer rejects the provider", async () => {
            class Maker {
                x = "a";
                provider(): pulumi.dynamic.ResourceProvider {
                    return { create: async () => ({ id: this.x, outs: {} }) };
                }
            }
            class Bad extends pulumi.dynamic.Resource {}
            const e = await rejection(
                serializeResources(() => {
                    new Bad(new Maker().provider(), "bad", {});
                }),
            );
            assert.match(e.message, /arrow function captured 'this'/);
        });
    });

    describe("the real clusterCertProvider", () => {
        let certProviderText: string;
        const urn = "urn:pulumi:stack::project::pulumi-nodejs:dynamic/cce:ClusterCert::cert";
        const moduleError = /Cannot find module|ERR_PACKAGE_PATH_NOT_EXPORTED|ERR_MODULE_NOT_FOUND/;

        before(async function () {
            const runtimeJs = path.join(REPO_ROOT, "dist", "provider", "pulumi", "runtime.js");
            assert.ok(fs.existsSync(runtimeJs), `${runtimeJs} is missing: run \`npx tsc -p .\` first`);
            certProviderText = await serializeProvider(clusterCertProvider);
        });

        it("serializes to shims requiring pulumi-cce-clustercert/runtime, with no absolute path", () => {
            assert.match(certProviderText, /require\("pulumi-cce-clustercert\/runtime"\)/);
            assert.ok(!certProviderText.includes(REPO_ROOT));
        });

        /** Loads the provider in a host with the given cwd and reaches its runtime with check and create. */
        async function exercise(cwd: string): Promise<void> {
            const host = track(await ProviderHost.start({ cwd, env: cleanEnv() }));
            try {
                await host.configure({ "huaweicloud:region": "eu-west-0" });
                const checked = await host.check(urn, {}, { __provider: certProviderText });
                assert.equal(checked.inputs.__provider, certProviderText);
                let outcome: string;
                try {
                    const created = await host.create(urn, { __provider: certProviderText });
                    outcome = `created ${created.id}`;
                } catch (e) {
                    assert.ok(e instanceof ProviderError);
                    assert.doesNotMatch(e.message, moduleError);
                    outcome = `create rejected by the runtime: ${e.message.slice(0, 80)}`;
                }
                // Reported in the test output: what the runtime did with empty inputs and no credentials.
                console.log(`      cwd=${cwd}: check failures=${checked.failures.length}; ${outcome}`);
            } finally {
                await host.stop();
            }
        }

        it("is loaded by the host with cwd = the repository root (self-dependency)", async () => {
            await exercise(REPO_ROOT);
        });

        it("is loaded by the host from a temporary program dir linking the package", async () => {
            const dir = await makeProgramDir();
            try {
                await exercise(dir.dir);
            } finally {
                await dir.cleanup();
            }
        });

        it("cannot be loaded from a program dir without the package: resolution is from the cwd", async () => {
            const dir = await makeProgramDir({ links: {}, replaceDefaultLinks: true });
            const host = track(await ProviderHost.start({ cwd: dir.dir, env: cleanEnv() }));
            try {
                await host.configure({});
                const e = await rejection(host.check(urn, {}, { __provider: certProviderText }));
                assert.match(e.message, /Cannot find module 'pulumi-cce-clustercert\/runtime'/);
            } finally {
                await host.stop();
                await dir.cleanup();
            }
        });
    });
});
