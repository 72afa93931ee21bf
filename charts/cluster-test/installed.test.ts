// charts/orderflow, installed by `helm install` on a real Kubernetes (the local
// cluster of `npm run k8s`): what the install itself must have left running.
import fs from 'node:fs';
import path from 'node:path';
import { cluster, helm, podsOf, query, withDiagnostics } from './support/cluster';

const SERVICES = ['order-service', 'payment-service', 'notification-service'] as const;

describe('charts/orderflow installed on the local cluster', () => {
  it.each(SERVICES)('runs every %s pod Ready beside a daprd sidecar of our build, with the image built from its Dockerfile', (service) =>
    withDiagnostics(async () => {
      const pods = await podsOf(service);
      expect(pods).toHaveLength(2);
      for (const pod of pods) {
        const containers = Object.fromEntries(pod.spec.containers.map((c: any) => [c.name, c.image]));
        expect(containers).toEqual({ [service]: cluster.appImages[service], daprd: cluster.sidecarImage });
        const statuses = pod.status.containerStatuses as { name: string; ready: boolean }[];
        expect(statuses.map(({ name, ready }) => [name, ready]).sort()).toEqual([['daprd', true], [service, true]]);
      }
    }),
  );

  it.each(SERVICES)("made %s's tables with its migration hook (the database was empty before the install)", (service) =>
    withDiagnostics(async () => {
      const hooks = await helm(['get', 'hooks', cluster.release, '--namespace', cluster.namespace]);
      expect(hooks).toContain(`name: ${cluster.release}-${service}-migrate`);
      const rows = await query<{ name: string }>(service, 'select name from knex_migrations order by id');
      const files = fs
        .readdirSync(path.resolve(__dirname, `../../apps/${service}/src/data/migrations`))
        .filter((file) => /^\d{3}-.+\.ts$/.test(file))
        .map((file) => file.replace(/\.ts$/, ''))
        .sort();
      expect(rows?.map((row) => row.name)).toEqual(files);
    }),
  );
});
