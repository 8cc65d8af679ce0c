import assert from "node:assert/strict";
import { defaultEndpoint } from "../../provider/huaweicloud/endpoints";
import { EMPTY_CONFIG, resolveMaxRetries, resolveTarget, type ConfigSource } from "../../provider/core/settings";
import { SettingsError } from "../../provider/util/errors";
import { resolveCredentials } from "../../provider/core/credential-sources";

function config(values: Record<string, string>): ConfigSource {
    return { get: (k) => values[k] };
}

describe("endpoints", () => {
    it("builds the default endpoints per region and cloud", () => {
        assert.equal(defaultEndpoint("cce", "eu-west-0"), "https://cce.eu-west-0.myhuaweicloud.com");
        assert.equal(defaultEndpoint("cce", "eu-west-101"), "https://cce.eu-west-101.myhuaweicloud.eu");
        assert.equal(defaultEndpoint("iam", "eu-de", "otc.t-systems.com"), "https://iam.eu-de.otc.t-systems.com");
    });
});

describe("resolveTarget", () => {
    it("takes args over stack config over env", () => {
        const env = { HW_REGION_NAME: "cn-north-4", HW_PROJECT_ID: "envproject" };
        const cfg = config({ "huaweicloud:region": "ap-southeast-1", "huaweicloud:projectId": "cfgproject" });
        assert.deepEqual(resolveTarget({ clusterId: "c", region: "eu-west-0", projectId: "argproject" }, cfg, env), {
            region: "eu-west-0", cloud: "myhuaweicloud.com", projectId: "argproject",
            endpoint: "https://cce.eu-west-0.myhuaweicloud.com", iamEndpoint: "https://iam.eu-west-0.myhuaweicloud.com",
        });
        const fromCfg = resolveTarget({ clusterId: "c" }, cfg, env);
        assert.equal(fromCfg.region, "ap-southeast-1");
        assert.equal(fromCfg.projectId, "cfgproject");
        const fromEnv = resolveTarget({ clusterId: "c" }, EMPTY_CONFIG, env);
        assert.equal(fromEnv.region, "cn-north-4");
        assert.equal(fromEnv.projectId, "envproject");
        assert.equal(fromEnv.endpoint, "https://cce.cn-north-4.myhuaweicloud.com");
    });
    it("swaps the domain with huaweicloud:cloud / HW_CLOUD", () => {
        assert.equal(resolveTarget({ clusterId: "c", region: "eu-de" }, EMPTY_CONFIG, { HW_CLOUD: "otc.t-systems.com" }).endpoint, "https://cce.eu-de.otc.t-systems.com");
        assert.equal(resolveTarget({ clusterId: "c", region: "eu-nl" }, config({ "huaweicloud:cloud": "otc.t-systems.com" }), {}).iamEndpoint, "https://iam.eu-nl.otc.t-systems.com");
    });
    it("keeps an explicit endpoint without trailing slash", () => {
        assert.equal(resolveTarget({ clusterId: "c", region: "eu-west-0", endpoint: "https://127.0.0.1:9443/" }, EMPTY_CONFIG, {}).endpoint, "https://127.0.0.1:9443");
    });
    it("needs a region unless endpoint and projectId are both explicit", () => {
        assert.throws(() => resolveTarget({ clusterId: "c" }, EMPTY_CONFIG, {}), (e: Error) => e instanceof SettingsError && /HW_REGION_NAME/.test(e.message));
        assert.throws(() => resolveTarget({ clusterId: "c", endpoint: "https://x" }, EMPTY_CONFIG, {}), SettingsError);
        assert.equal(resolveTarget({ clusterId: "c", endpoint: "https://x", projectId: "p" }, EMPTY_CONFIG, {}).iamEndpoint, undefined);
    });
});

describe("resolveCredentials", () => {
    const fullEnv = {
        HW_ACCESS_KEY: "envAK", HW_SECRET_KEY: "envSK", HUAWEICLOUD_SDK_AK: "sdkAK", HUAWEICLOUD_SDK_SK: "sdkSK",
        CLOUD_SDK_AK: "cloudAK", CLOUD_SDK_SK: "cloudSK", HW_USER_NAME: "u", HW_USER_PASSWORD: "pw", HW_DOMAIN_NAME: "d",
    };
    it("follows the documented precedence", () => {
        const cfg = config({ "huaweicloud:accessKey": "cfgAK", "huaweicloud:secretKey": "cfgSK" });
        assert.equal((resolveCredentials({ clusterId: "c", accessKey: "argAK", secretKey: "argSK" }, cfg, fullEnv) as { accessKey: string }).accessKey, "argAK");
        assert.equal((resolveCredentials({ clusterId: "c" }, cfg, fullEnv) as { accessKey: string }).accessKey, "cfgAK");
        assert.equal((resolveCredentials({ clusterId: "c" }, EMPTY_CONFIG, fullEnv) as { accessKey: string }).accessKey, "envAK");
        const { HW_ACCESS_KEY: _a, HW_SECRET_KEY: _b, ...noHw } = fullEnv;
        assert.equal((resolveCredentials({ clusterId: "c" }, EMPTY_CONFIG, noHw) as { accessKey: string }).accessKey, "sdkAK");
        const { HUAWEICLOUD_SDK_AK: _c, HUAWEICLOUD_SDK_SK: _d, ...cloudOnly } = noHw;
        assert.equal((resolveCredentials({ clusterId: "c" }, EMPTY_CONFIG, cloudOnly) as { accessKey: string }).accessKey, "cloudAK");
        const { CLOUD_SDK_AK: _e, CLOUD_SDK_SK: _f, ...passwordOnly } = cloudOnly;
        assert.deepEqual(resolveCredentials({ clusterId: "c" }, EMPTY_CONFIG, passwordOnly), { kind: "password", userName: "u", password: "pw", domainName: "d", source: "IAM password" });
    });
    it("uses tokens and temporary credentials", () => {
        assert.deepEqual(resolveCredentials({ clusterId: "c", authToken: "tok" }, EMPTY_CONFIG, fullEnv), { kind: "token", token: "tok", source: "ClusterCert args" });
        assert.deepEqual(resolveCredentials({ clusterId: "c" }, EMPTY_CONFIG, { HW_ACCESS_KEY: "a", HW_SECRET_KEY: "s", HW_SECURITY_TOKEN: "st" }), {
            kind: "aksk", accessKey: "a", secretKey: "s", securityToken: "st", source: "environment (HW_*)",
        });
        assert.deepEqual(resolveCredentials({ clusterId: "c" }, config({ "huaweicloud:authToken": "t2" }), {}), { kind: "token", token: "t2", source: "stack config" });
    });
    it("never pairs an access key from one place with a secret key from another", () => {
        assert.throws(() => resolveCredentials({ clusterId: "c" }, config({ "huaweicloud:accessKey": "cfgAK" }), fullEnv), /huaweicloud:secretKey is missing/);
    });
    it("lists every place it looked when there are none", () => {
        assert.throws(
            () => resolveCredentials({ clusterId: "c" }, EMPTY_CONFIG, {}),
            (e: Error) => ["HW_ACCESS_KEY", "huaweicloud:accessKey", "HUAWEICLOUD_SDK_AK", "CLOUD_SDK_AK", "HW_USER_PASSWORD", "authToken"].every((s) => e.message.includes(s)),
        );
    });
    it("resolves maxRetries", () => {
        assert.equal(resolveMaxRetries({}, EMPTY_CONFIG, {}), 5);
        assert.equal(resolveMaxRetries({}, EMPTY_CONFIG, { HW_MAX_RETRIES: "2" }), 2);
        assert.equal(resolveMaxRetries({}, config({ "huaweicloud:maxRetries": "1" }), { HW_MAX_RETRIES: "2" }), 1);
        assert.equal(resolveMaxRetries({ maxRetries: 0 }, EMPTY_CONFIG, { HW_MAX_RETRIES: "2" }), 0);
    });
});

describe("resolveCredentials: a security token without its keys", () => {
    it("refuses a stack-config security token next to keys from the environment, naming both", () => {
        const cfg: ConfigSource = { get: (k) => (k === "huaweicloud:securityToken" ? "st-from-config" : undefined) };
        assert.throws(
            () => resolveCredentials({ clusterId: "c" }, cfg, { HW_ACCESS_KEY: "envAK", HW_SECRET_KEY: "envSK" }),
            (e: Error) => e instanceof SettingsError && e.message === "incomplete credentials in stack config: huaweicloud:securityToken is set without huaweicloud:accessKey and huaweicloud:secretKey (a security token belongs to temporary AK/SK).",
        );
    });
    it("refuses HW_SECURITY_TOKEN alone, even with an IAM password available", () => {
        assert.throws(() => resolveCredentials({ clusterId: "c" }, EMPTY_CONFIG, { HW_SECURITY_TOKEN: "st", HW_USER_NAME: "u", HW_USER_PASSWORD: "p", HW_DOMAIN_NAME: "d" }), /HW_SECURITY_TOKEN is set without HW_ACCESS_KEY and HW_SECRET_KEY/);
    });
});
