/**
 * The Kubernetes install: every document of deploy/kubernetes is checked against the Kubernetes
 * schemas (kubernetes-models, generated from the API's OpenAPI), then against what running the bot
 * safely needs: web and worker apart with replicas, probes, the catalog from a ConfigMap that the
 * bot itself accepts, secrets only by reference, resources, disruption budgets, the strategies'
 * RBAC, and a Redis that keeps what it is given.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { parseCatalog } from '../../../src/catalog/load.js';

const DIR = new URL('../../../deploy/kubernetes/', import.meta.url).pathname;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

const MODELS: Record<string, new (doc: Doc) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

const docs: { file: string; doc: Doc }[] = readdirSync(DIR)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((parsed) => {
      if (parsed.errors.length > 0) throw new Error(`${file}: ${parsed.errors[0]?.message}`);
      return { file, doc: parsed.toJS() as Doc };
    }),
  );
const find = (kind: string, name: string) =>
  docs.find((d) => d.doc.kind === kind && d.doc.metadata.name === name)?.doc;

describe('deploy/kubernetes', () => {
  it.each(docs.map((d) => [`${d.file}: ${d.doc.kind} ${d.doc.metadata?.name}`, d.doc]))(
    '%s matches the Kubernetes schema',
    (_name, doc) => {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      expect(Model).toBeDefined();
      expect(() => new Model!(doc).validate()).not.toThrow();
    },
  );

  it('catches a broken document, so the check above can fail', () => {
    const web = structuredClone(find('Deployment', 'rollback-bot-web'));
    web.spec.replicas = 'two';
    expect(() => new Deployment(web).validate()).toThrow(/replicas must be integer/);
  });

  it.each([
    ['rollback-bot-web', 'web'],
    ['rollback-bot-worker', 'worker'],
  ])('%s runs role %s with replicas, probes, resources and secrets by reference', (name, role) => {
    const deployment = find('Deployment', name);
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    const [container] = deployment.spec.template.spec.containers;
    const env = Object.fromEntries(container.env.map((e: Doc) => [e.name, e]));
    expect(env.ROLLBACK_ROLE.value).toBe(role);
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.resources.requests).toEqual(
      expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
    );
    expect(container.resources.limits.memory).toBeDefined();
    for (const secret of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']) {
      expect(env[secret].value).toBeUndefined();
      expect(env[secret].valueFrom.secretKeyRef.name).toBe('rollback-bot-secrets');
    }
    expect(env.ROLLBACK_CATALOG.value).toBe('/etc/rollback-bot/catalog.yaml');
    const pdb = find('PodDisruptionBudget', name);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });

  it('gives the worker time to finish its running step after SIGTERM', () => {
    expect(
      find('Deployment', 'rollback-bot-worker').spec.template.spec.terminationGracePeriodSeconds,
    ).toBeGreaterThan(20 + 5);
  });

  it('ships a catalog the bot accepts', () => {
    const catalog = parseCatalog(find('ConfigMap', 'rollback-bot-catalog').data['catalog.yaml'], 'configmap');
    expect(Object.keys(catalog.services)).toEqual(['checkout']);
  });

  it('lets the strategies do what they run, in the services namespace only', () => {
    const role = find('Role', 'rollback-bot');
    const can = (group: string, resource: string, verb: string) =>
      role.rules.some(
        (r: Doc) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb),
      );
    expect(can('apps', 'deployments', 'patch')).toBe(true); // kubectl rollout undo
    expect(can('apps', 'replicasets', 'list')).toBe(true); // reading revisions
    expect(can('', 'secrets', 'list')).toBe(true); // helm history
    expect(can('argoproj.io', 'rollouts', 'patch')).toBe(true);
    expect(docs.some((d) => d.doc.kind === 'ClusterRole' || d.doc.kind === 'ClusterRoleBinding')).toBe(false);
    expect(find('RoleBinding', 'rollback-bot').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'rollback-bot', namespace: 'rollback-bot' },
    ]);
  });

  it('runs Redis with AOF every second and noeviction', () => {
    const args: string[] = find('StatefulSet', 'rollback-bot-redis').spec.template.spec.containers[0].args;
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect(value('--appendonly')).toBe('yes');
    expect(value('--appendfsync')).toBe('everysec');
    expect(value('--maxmemory-policy')).toBe('noeviction');
  });
});
