// Kubernetes manifests in deploy/k8s: validated against the Kubernetes API schemas, then checked
// for the properties this service relies on (probes, lockdown, no egress, consistent labels).
//
// Two schema layers, both derived from the official Kubernetes OpenAPI definitions as packaged by
// `kubernetes-models` (generated from the upstream swagger.json):
//  1. its compiled JSON-schema validators (types, formats, required fields, enums it encodes);
//  2. TypeScript's excess-property check against its generated interfaces, which rejects unknown
//     or misspelt fields (what `kubeconform -strict` does; OpenAPI alone allows extra fields).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const K8S = join(ROOT, 'deploy', 'k8s');

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Model class and the module/interface used for the strict check, per apiVersion/kind. */
const KINDS: Record<string, { validate: (d: Doc) => void; module: string; iface: string }> = {
  'apps/v1/Deployment': { validate: (d) => new Deployment(d as never).validate(), module: 'kubernetes-models/apps/v1/Deployment', iface: 'IDeployment' },
  'v1/Service': { validate: (d) => new Service(d as never).validate(), module: 'kubernetes-models/v1/Service', iface: 'IService' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    validate: (d) => new HorizontalPodAutoscaler(d as never).validate(),
    module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', iface: 'IHorizontalPodAutoscaler',
  },
  'policy/v1/PodDisruptionBudget': {
    validate: (d) => new PodDisruptionBudget(d as never).validate(),
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget', iface: 'IPodDisruptionBudget',
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    validate: (d) => new NetworkPolicy(d as never).validate(),
    module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy', iface: 'INetworkPolicy',
  },
};

function kindKey(d: Doc): string {
  return `${d.apiVersion}/${d.kind}`;
}

export function parseYamlDocs(text: string, where: string): Doc[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const out: Doc[] = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${where}: ${d.errors.map((e) => e.message).join('; ')}`);
    const v = d.toJS() as unknown;
    if (v === null || v === undefined) continue;
    out.push(v as Doc);
  }
  return out;
}

/** Layer 1: the compiled OpenAPI validators. Returns problems (empty = valid). */
export function schemaProblems(d: Doc): string[] {
  const k = KINDS[kindKey(d)];
  if (!k) return [`unsupported apiVersion/kind ${kindKey(d)}`];
  try {
    k.validate(d);
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

/** Layer 2: unknown fields, by type-checking each document as an object literal of its interface. */
export function strictProblems(docs: Doc[]): string[] {
  const virtual = join(ROOT, 'test', 'deploy', '__k8s_strict_check__.ts');
  const lines: string[] = [];
  docs.forEach((d, i) => {
    const k = KINDS[kindKey(d)];
    if (!k) return;
    lines.push(`const d${i}: import(${JSON.stringify(k.module)}).${k.iface} = ${JSON.stringify(d, null, 1)};`);
    lines.push(`void d${i};`);
  });
  lines.push('export {};');
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    strict: true, noEmit: true, skipLibCheck: true, types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) =>
    name === virtual ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === virtual || fileExists(name);
  const program = ts.createProgram([virtual], options, host);
  const sf = program.getSourceFile(virtual);
  const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
  return diags.map((dg) => {
    const msg = ts.flattenDiagnosticMessageText(dg.messageText, '\n');
    const pos = dg.file && dg.start !== undefined ? dg.file.getLineAndCharacterOfPosition(dg.start) : null;
    const docIdx = pos ? source.slice(0, dg.start).split('\n').filter((l) => l.startsWith('const d')).length - 1 : -1;
    const d = docs[docIdx];
    return `${d ? `${d.kind} ${d.metadata?.name}` : '?'}: ${msg}`;
  });
}

function loadAll(): { file: string; doc: Doc }[] {
  const out: { file: string; doc: Doc }[] = [];
  for (const f of readdirSync(K8S).sort()) {
    if (!/\.ya?ml$/.test(f) || f === 'kustomization.yaml') continue;
    for (const doc of parseYamlDocs(readFileSync(join(K8S, f), 'utf8'), f)) out.push({ file: f, doc });
  }
  return out;
}

const all = loadAll();
const byKind = (kind: string): Doc => {
  const found = all.filter((x) => x.doc.kind === kind);
  assert.equal(found.length, 1, `exactly one ${kind}`);
  return found[0]!.doc;
};

test('every manifest is valid against the Kubernetes OpenAPI schemas', () => {
  assert.ok(all.length >= 5);
  for (const { file, doc } of all) assert.deepEqual(schemaProblems(doc), [], `${file} (${kindKey(doc)})`);
});

test('no manifest has unknown or misspelt fields (strict check)', () => {
  assert.deepEqual(strictProblems(all.map((x) => x.doc)), []);
});

test('the validators do reject broken manifests (guards the guard)', () => {
  const dep = structuredClone(byKind('Deployment'));
  dep.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
  assert.notDeepEqual(schemaProblems(dep), []);
  const noSelector = structuredClone(byKind('Deployment'));
  delete noSelector.spec.selector;
  assert.notDeepEqual(schemaProblems(noSelector), []);
  const typo = structuredClone(byKind('Deployment'));
  typo.spec.template.spec.containers[0].readinesProbe = typo.spec.template.spec.containers[0].readinessProbe;
  const problems = strictProblems([typo]);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, /readinesProbe/);
});

test('kustomization lists every manifest', () => {
  const k = parseYamlDocs(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8'), 'kustomization.yaml')[0]!;
  const files = readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml').sort();
  assert.deepEqual([...(k.resources as string[])].sort(), files);
});

test('Deployment: probes on /health/:8550, resources, locked-down security context', () => {
  const d = byKind('Deployment');
  const pod = d.spec.template.spec;
  const labels = d.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) assert.equal(labels[k], v, 'selector matches pod labels');
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  assert.equal(pod.containers.length, 1);
  const c = pod.containers[0];
  assert.equal(c.ports[0].containerPort, 8550);
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    assert.equal(c[probe].httpGet.path, '/health/', probe);
    assert.ok([8550, 'http'].includes(c[probe].httpGet.port), probe);
  }
  for (const r of ['cpu', 'memory']) {
    assert.ok(c.resources.requests[r], `requests.${r}`);
    assert.ok(c.resources.limits[r], `limits.${r}`);
  }
  const sc = c.securityContext;
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.equal(sc.runAsNonRoot, true);
  assert.ok(sc.runAsUser > 0);
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.deepEqual(sc.capabilities.drop, ['ALL']);
  assert.equal(sc.capabilities.add, undefined);
  assert.equal(sc.seccompProfile.type, 'RuntimeDefault');
  assert.equal(pod.volumes, undefined, 'the service needs no writable volume');
  const env = Object.fromEntries((c.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
  assert.equal(env.HOST, '0.0.0.0');
  // Listening beyond loopback needs auth or the explicit opt-out (src/config/config.ts exposureProblem).
  assert.ok(env.CODEJAIL_WASM_ALLOW_UNAUTHENTICATED === '1' || 'CODEJAIL_WASM_AUTH_TOKENS' in env);
  assert.equal(env.CODEJAIL_WASM_WORKERS, String(parseInt(c.resources.limits.cpu, 10)), 'one worker per CPU of the limit');
});

test('Service, HPA and PDB point at the Deployment', () => {
  const d = byKind('Deployment');
  const podLabels = d.spec.template.metadata.labels;
  const svc = byKind('Service');
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(podLabels[k], v);
  assert.equal(svc.spec.ports[0].port, 8550);
  assert.equal(svc.spec.type, 'ClusterIP');
  const hpa = byKind('HorizontalPodAutoscaler');
  assert.equal(hpa.apiVersion, 'autoscaling/v2');
  assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name });
  assert.equal(hpa.spec.metrics[0].resource.name, 'cpu');
  assert.ok(hpa.spec.minReplicas >= 1 && hpa.spec.maxReplicas >= hpa.spec.minReplicas);
  const pdb = byKind('PodDisruptionBudget');
  for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) assert.equal(podLabels[k], v);
  assert.ok(pdb.spec.minAvailable < hpa.spec.minReplicas, 'PDB leaves room for voluntary disruptions');
});

test('NetworkPolicy: all egress denied, ingress only from LMS/CMS on 8550', () => {
  const np = byKind('NetworkPolicy');
  const podLabels = byKind('Deployment').spec.template.metadata.labels;
  for (const [k, v] of Object.entries(np.spec.podSelector.matchLabels)) assert.equal(podLabels[k], v);
  assert.deepEqual([...np.spec.policyTypes].sort(), ['Egress', 'Ingress']);
  assert.deepEqual(np.spec.egress ?? [], []);
  assert.equal(np.spec.ingress.length, 1);
  const rule = np.spec.ingress[0];
  assert.deepEqual(rule.ports, [{ protocol: 'TCP', port: 8550 }]);
  const names = rule.from[0].podSelector.matchExpressions[0].values as string[];
  assert.ok(names.includes('lms') && names.includes('cms'));
  assert.equal(rule.from[0].namespaceSelector, undefined, 'same namespace only');
});
