import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalFileError, modeString, OutputExistsError, readSmallRegularFile, shownPath, writableByOthers } from "../../provider/cli/files";
import { prepareOutputDir, writeOutputFiles } from "../../provider/cli/output-files";

describe("output files", () => {
    let root: string;
    beforeEach(async () => {
        root = await fs.mkdtemp(path.join(tmpdir(), "cce-cli-files-"));
    });
    afterEach(async () => {
        await fs.rm(root, { recursive: true, force: true });
    });
    const four = [{ name: "kubeconfig", content: "KC" }, { name: "ca.crt", content: "CA" }, { name: "client.crt", content: "CRT" }, { name: "client.key", content: "KEY" }];

    it("creates the directory 0700 and the files 0600", async () => {
        const dir = path.join(root, "a", "b");
        const written = await writeOutputFiles(dir, [{ name: "client.key", content: "KEY" }, { name: "kubeconfig", content: "KC" }], false);
        assert.deepEqual(written, [path.join(dir, "client.key"), path.join(dir, "kubeconfig")]);
        assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
        for (const f of written) assert.equal((await fs.stat(f)).mode & 0o777, 0o600);
        assert.equal(await fs.readFile(path.join(dir, "client.key"), "utf8"), "KEY");
        assert.deepEqual((await fs.readdir(dir)).sort(), ["client.key", "kubeconfig"]);
    });
    it("never overwrites without force, and writes nothing when any file exists", async () => {
        await fs.writeFile(path.join(root, "client.key"), "OLD", { mode: 0o644 });
        await assert.rejects(
            writeOutputFiles(root, [{ name: "kubeconfig", content: "KC" }, { name: "client.key", content: "NEW" }], false),
            (e: Error) => e instanceof OutputExistsError && e.message.includes("client.key") && /--force/.test(e.message),
        );
        assert.equal(await fs.readFile(path.join(root, "client.key"), "utf8"), "OLD");
        await assert.rejects(fs.stat(path.join(root, "kubeconfig")), { code: "ENOENT" });
    });
    it("replaces with force, leaving mode 0600 and no temp files", async () => {
        await fs.writeFile(path.join(root, "client.key"), "OLD", { mode: 0o644 });
        await writeOutputFiles(root, [{ name: "client.key", content: "NEW" }], true);
        assert.equal(await fs.readFile(path.join(root, "client.key"), "utf8"), "NEW");
        assert.equal((await fs.stat(path.join(root, "client.key"))).mode & 0o777, 0o600);
        assert.deepEqual(await fs.readdir(root), ["client.key"]);
    });
    it("refuses a directory group or others can write to, naming its mode, and creates nothing in it", async () => {
        await fs.chmod(root, 0o757);
        await assert.rejects(prepareOutputDir(root, ["kubeconfig"], false), {
            name: "UnsafeDirectoryError",
            message: `refusing to write into ${root}: its mode 0757 lets group or others create or replace files in it; run chmod go-w ${root} or choose a private --out-dir`,
        });
        assert.deepEqual(await fs.readdir(root), []);
    });
    it("removes the files it linked when a later name was taken after the checks (no force)", async () => {
        const prepared = await prepareOutputDir(root, four.map((f) => f.name), false);
        await fs.writeFile(path.join(root, "client.crt"), "RACE");
        await assert.rejects(writeOutputFiles(root, four, false, prepared), OutputExistsError);
        assert.deepEqual((await fs.readdir(root)).sort(), ["client.crt"]);
        assert.equal(await fs.readFile(path.join(root, "client.crt"), "utf8"), "RACE");
    });
    it("restores the files it replaced when a later one cannot be replaced (force); keeps a directory it created that is not empty", async () => {
        for (const f of four) await fs.writeFile(path.join(root, f.name), `OLD ${f.name}`);
        const prepared = await prepareOutputDir(root, four.map((f) => f.name), true);
        await fs.rm(path.join(root, "client.key"));
        await fs.mkdir(path.join(root, "client.key"));
        await assert.rejects(writeOutputFiles(root, four, true, prepared), { name: "LocalFileError", message: `cannot replace ${root}/client.key (EISDIR); nothing was changed in ${root}` });
        assert.deepEqual((await fs.readdir(root)).sort(), ["ca.crt", "client.crt", "client.key", "kubeconfig"]);
        for (const f of ["kubeconfig", "ca.crt", "client.crt"]) assert.equal(await fs.readFile(path.join(root, f), "utf8"), `OLD ${f}`);

        const dir = path.join(root, "new", "deeper");
        const fresh = await prepareOutputDir(dir, four.map((f) => f.name), false);
        assert.deepEqual(fresh.created, [dir, path.join(root, "new")]);
        await fs.mkdir(path.join(dir, "client.key"));
        await assert.rejects(writeOutputFiles(dir, four, false, fresh), OutputExistsError);
        assert.deepEqual(await fs.readdir(dir), ["client.key"], "a directory that is not empty stays");
    });
    it("shows modes as chmod writes them and ignores mode bits on Windows", () => {
        assert.equal(modeString(0o40700), "0700");
        assert.equal(modeString(0o41777), "1777");
        assert.equal(writableByOthers(0o40775, "linux"), true);
        assert.equal(writableByOthers(0o40755, "linux"), false);
        assert.equal(writableByOthers(0o40777, "win32"), false);
    });
    it("keeps messages on one clean line whatever the path holds", () => {
        assert.equal(shownPath("/tmp/out"), "/tmp/out");
        assert.equal(shownPath("/tmp/a\nb\u001b[31m"), '"/tmp/a\\nb\\u001b[31m"');
        assert.equal(new OutputExistsError(["/x/a\nb"]).message, 'refusing to overwrite "/x/a\\nb": pass --force to replace it');
        assert.doesNotMatch(new LocalFileError("write", "/x\r/y", new Error("boom")).message, /[\u0000-\u001f]/);
    });
    it("reads only small regular files, without following links or blocking", async () => {
        const file = path.join(root, "f");
        await fs.writeFile(file, "12345");
        assert.deepEqual({ ...(await readSmallRegularFile(file, 5)), dev: 0, ino: 0, mtimeMs: 0 }, { kind: "ok", text: "12345", dev: 0, ino: 0, mtimeMs: 0 });
        assert.equal((await readSmallRegularFile(file, 4)).kind, "bad");
        await fs.symlink(file, path.join(root, "link"));
        assert.equal((await readSmallRegularFile(path.join(root, "link"), 5) as { reason?: string }).reason, "it is a symbolic link");
        assert.equal((await readSmallRegularFile(root, 5) as { reason?: string }).reason, "it is a directory");
        assert.deepEqual(await readSmallRegularFile(path.join(root, "none"), 5), { kind: "missing" });
    });
});
