/**
 * A bare provider: the least code that makes the same Soda requests as ours, run in the same provider host. Its
 * create is the name check and the POST, its read one page of the runner list (as ours, whose reads share it), its delete a GET (is the runner still under the key's
 * name?) and a DELETE, each a plain undici request on a kept-alive pool, with no validation, pacing or timeouts (a 429 is retried after 5 ms; the
 * overhead runs never meet one). Ours against it is our own code's share of
 * the overhead; it against the undici floor is what Pulumi's host, gRPC and the extra process cost any provider.
 *
 * Written by hand in the form Pulumi serializes providers to (`exports.handler` returning the provider), because
 * it must not depend on how this file is compiled or transformed. It takes the endpoint and admin key from
 * Configure, as ours does.
 */
export const BARE_TYPE = "pulumi-nodejs:dynamic/bench:Bare";

export const BARE_PROVIDER_TEXT = `exports.handler = function () { return provider; };

var provider = {
  configure: async function (req) {
    var undici = require("undici");
    var auth = Buffer.from(req.config.get("soda:apiKeyId") + ":" + req.config.get("soda:apiKeySecret")).toString("base64");
    globalThis.__sodaBenchBare = {
      undici: undici,
      agent: new undici.Agent({ keepAliveTimeout: 10000, connections: 16 }),
      url: req.config.get("soda:host"),
      headers: { authorization: "Basic " + auth, "user-agent": "soda-bench-bare", accept: "application/json" },
    };
  },
  check: async function (olds, news) { return { inputs: news }; },
  diff: async function () { return { changes: false }; },
  create: async function (inputs) {
    var list = JSON.parse(await send("GET", "/api/v1/runners?page=0&size=1000"));
    if (list.content.some(function (r) { return r.name === inputs.agentName; })) throw new Error(inputs.agentName + " is taken");
    var key = JSON.parse(await send("POST", "/api/v1/runners"));
    return { id: key.apiKeyId, outs: { agentName: inputs.agentName, apiKeyId: key.apiKeyId, apiKeySecret: key.apiKeySecret, runnerId: "" } };
  },
  read: async function (id, props) {
    var list = JSON.parse(await send("GET", "/api/v1/runners?page=0&size=1000"));
    var runner = list.content.find(function (r) { return r.id === props.runnerId; });
    return { id: id, props: Object.assign({}, props, { runnerId: runner.id }) };
  },
  update: async function (id, olds, news) { return { outs: olds }; },
  delete: async function (id, props) {
    await send("GET", "/api/v1/runners/" + encodeURIComponent(props.runnerId));
    await send("DELETE", "/api/v1/runners/" + encodeURIComponent(props.runnerId));
  },
};

async function send(method, path) {
  var c = globalThis.__sodaBenchBare;
  var response = await c.undici.request(c.url + path, { method: method, headers: c.headers, dispatcher: c.agent });
  var text = await response.body.text();
  if (response.statusCode === 429) {
    await new Promise(function (resolve) { setTimeout(resolve, 5); });
    return send(method, path);
  }
  if (response.statusCode !== 200) throw new Error("bare provider: " + method + " " + path + ": HTTP " + response.statusCode);
  return text;
}
`;
