import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { OutputExistsError } from "../../provider/cli/files";
import { writeOutputFiles } from "../../provider/cli/output-files";

describe("output files", () => {
    let root: string;
    beforeEach(async () => {
        root = await fs.mkdtemp(path.join(tmpdir(), "cce-cli-files-"));
    });
    afterEach(async () => {
        await fs.rm(root, { recursive: true, force: true });
    });

    it("creates the directory 0700 and the files 0600", async () => {
        const dir = path.join(root, "a", "b");
        const written = await writeOutputFiles(dir, [{ name: "client.key", content: "KEY" }, { name: "kubeconfig", content: "KC" }], false);
        assert.deepEqual(written, [path.join(dir, "client.key"), path.join(dir, "kubeconfig")]);
        assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
        for (const f of written) assert.equal((await fs.stat(f)).mode & 0o777, 0o600);
        assert.equal(await fs.readFile(path.join(dir, "client.key"), "utf8"), "KEY");
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
});
