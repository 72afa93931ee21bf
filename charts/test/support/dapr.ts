// Reading Dapr resources the way Dapr does.
import type { K8sObject } from './render';

export interface Caller {
  appId: string;
  namespace: string;
  trustDomain?: string;
}

/**
 * Would the callee whose Configuration this is let `caller` invoke `verb path`?
 * The rules of dapr/dapr pkg/acl (v1.18) for HTTP invocations: the callee's
 * global defaultAction, unless a policy names the caller's app id and namespace
 * and its trust domain matches; then that policy's defaultAction, unless an
 * operation matches the path and names the verb (or `*`). Operations match
 * case-insensitively, by path segments, and as prefixes (/payments also covers
 * /payments/x); `*` stands for one segment, `**` for any rest.
 */
export function invocationAllowed(configuration: K8sObject, caller: Caller, verb: string, path: string): boolean {
  const acl = configuration.spec.accessControl;
  if (!acl) return true;
  let action: string = acl.defaultAction ?? 'allow';
  const trustDomain = caller.trustDomain ?? 'public';
  const policy = (acl.policies ?? []).find((p: any) => p.appId === caller.appId && p.namespace === caller.namespace);
  if (!policy || policy.trustDomain !== trustDomain) return action.toLowerCase() === 'allow';
  if (policy.defaultAction) action = policy.defaultAction;
  const operation = (policy.operations ?? []).find((op: any) => operationMatches(op.name, path));
  if (operation) {
    const verbs: string[] = operation.httpVerb ?? [];
    if (verbs.includes(verb.toUpperCase()) || verbs.includes('*')) action = operation.action;
  }
  return action.toLowerCase() === 'allow';
}

function operationMatches(pattern: string, path: string): boolean {
  const want = (pattern.startsWith('/') ? pattern : `/${pattern}`).toLowerCase().split('/');
  const got = (path.startsWith('/') ? path : `/${path}`).toLowerCase().split('/');
  for (let i = 0; i < want.length; i += 1) {
    if (want[i] === '**') return true;
    if (got[i] === undefined) return false;
    if (want[i] !== '*' && want[i] !== got[i]) return false;
  }
  return want.length === got.length || want.at(-1) !== '*';
}

/** `app1=topicA,topicB;app2=` → { app1: [topicA, topicB], app2: [] } */
export function parseTopicScopes(value: string): Record<string, string[]> {
  return Object.fromEntries(
    value
      .split(';')
      .filter(Boolean)
      .map((entry) => {
        const [app, topics = ''] = entry.split('=');
        return [app!.trim(), topics.split(',').map((t) => t.trim()).filter(Boolean)];
      }),
  );
}

/**
 * What the API server keeps of `value` under a CRD's structural schema: fields
 * the schema does not declare are dropped (pruning), except under
 * x-kubernetes-preserve-unknown-fields.
 */
export function pruneLikeApiServer(value: any, schema: any): any {
  if (value === null || typeof value !== 'object' || !schema || schema['x-kubernetes-preserve-unknown-fields']) return value;
  if (Array.isArray(value)) return value.map((item) => pruneLikeApiServer(item, schema.items));
  const out: Record<string, any> = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (sub) out[key] = pruneLikeApiServer(item, sub);
  }
  return out;
}
