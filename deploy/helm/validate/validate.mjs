// Validates rendered Kubernetes objects (YAML documents, as `helm template` prints them) against the schemas of two
// Kubernetes minor versions (kubernetes-models 5.1.0 and 4.5.1) and the custom resources' own schemas
// (prometheus-operator, KEDA, Gateway API). Fails on an unknown kind, a missing or mistyped field, and on a field
// the schema does not know (the compiled validators read every field they know: a field never read is unknown).
//
//   node validate.mjs FILE.yaml...      prints one line per file; exits 1 if any object is invalid
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const versions = {
  "kubernetes-models": "kubernetes-models 5.1.0",
  "kubernetes-models-previous": "kubernetes-models 4.5.1",
};

// kind -> module path under each package, per apiVersion
const core = {
  "v1/Service": "v1/Service", "v1/Secret": "v1/Secret", "v1/ConfigMap": "v1/ConfigMap",
  "v1/ServiceAccount": "v1/ServiceAccount", "apps/v1/Deployment": "apps/v1/Deployment",
  "policy/v1/PodDisruptionBudget": "policy/v1/PodDisruptionBudget",
  "autoscaling/v2/HorizontalPodAutoscaler": "autoscaling/v2/HorizontalPodAutoscaler",
  "networking.k8s.io/v1/NetworkPolicy": "networking.k8s.io/v1/NetworkPolicy",
  "networking.k8s.io/v1/Ingress": "networking.k8s.io/v1/Ingress",
};
const custom = {
  "monitoring.coreos.com/v1/ServiceMonitor": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor",
  "monitoring.coreos.com/v1/PrometheusRule": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule",
  "keda.sh/v1alpha1/ScaledObject": "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject",
  "gateway.networking.k8s.io/v1/HTTPRoute": "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute",
};

/** A proxy of {@code value} that records, per object, the keys the validator read. */
function watched(value, reads) {
  if (value === null || typeof value !== "object") return value;
  const seen = new Set();
  reads.set(value, seen);
  const children = new Map();
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === "string") seen.add(key);
      const v = Reflect.get(target, key, receiver);
      if (v === null || typeof v !== "object") return v;
      if (!children.has(key)) children.set(key, watched(v, reads));
      return children.get(key);
    },
    ownKeys(target) { // a map (labels, annotations, data): every key is read as an entry
      Reflect.ownKeys(target).forEach((k) => typeof k === "string" && seen.add(k));
      return Reflect.ownKeys(target);
    },
  });
}

function unknownFields(value, reads, path, out) {
  if (value === null || typeof value !== "object") return;
  const seen = reads.get(value);
  for (const key of Object.keys(value)) {
    if (seen && !seen.has(key) && !Array.isArray(value)) out.push(`${path}.${key}`);
    unknownFields(value[key], reads, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, out);
  }
}

async function check(object, modulePath, label) {
  const Model = (await import(modulePath))[modulePath.split("/").pop()];
  const reads = new Map();
  const data = structuredClone(object);
  const problems = [];
  try {
    Model.prototype.validate.call(watched(data, reads)); // the model's compiled validator, on the watched object
  } catch (e) {
    problems.push(`${label}: ${e.message.split("\n").slice(0, 6).join(" ")}`);
  }
  const unknown = [];
  unknownFields(data, reads, "", unknown);
  if (unknown.length) problems.push(`${label}: fields the schema does not know: ${unknown.join(", ")}`);
  return problems;
}

let failed = false;
for (const file of process.argv.slice(2)) {
  const problems = [];
  let count = 0;
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const object = doc.toJS();
    if (!object) continue;
    count++;
    const key = `${object.apiVersion}/${object.kind}`;
    const name = `${object.kind} ${object.metadata?.name}`;
    if (core[key]) {
      for (const [pkg, label] of Object.entries(versions)) {
        problems.push(...(await check(object, `${pkg}/${core[key]}`, `${name} (${label})`)));
      }
    } else if (custom[key]) {
      problems.push(...(await check(object, custom[key], name)));
    } else {
      problems.push(`${name}: no schema for ${key}`);
    }
  }
  failed ||= problems.length > 0;
  console.log(`${file}: ${count} objects, ${problems.length ? problems.length + " problems" : "valid"}`);
  problems.forEach((p) => console.log(`  ${p}`));
}
process.exit(failed ? 1 : 0);
