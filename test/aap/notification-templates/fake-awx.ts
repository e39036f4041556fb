import type { AapFixtureServer, RecordedRequest } from '../../support/aap-fixture-server';
import { type ApiPrefix, aapFixture, listOf } from '../../support/aap-fixtures';

export const PROVISION = 'osac-create-compute-instance';
export const DEPROVISION = 'osac-delete-compute-instance';

type Event = 'started' | 'success' | 'error';
type Stored = Record<string, unknown> & { id: number; name: string };

/**
 * Just enough of AWX behind the fixture server to run configure-aap twice: the provision template is JT 7 and the
 * deprovision template WFJT 12 (the recorded list bodies, renamed); notification templates are kept as created and
 * listed as AWX's serializer shows them (a set password as `$encrypted$`); attachments as associated.
 */
export class FakeAwx {
  readonly notificationTemplates: Stored[] = [];
  readonly attached = new Map<string, number[]>();
  createStatus = 201;

  constructor(
    private readonly server: AapFixtureServer,
    private readonly prefix: ApiPrefix,
  ) {
    const p = `${prefix}/v2`;
    const byName = (fixture: string, name: string) => (request: RecordedRequest) => {
      const [template] = aapFixture<{ results: Record<string, unknown>[] }>(fixture, prefix).results;
      return { status: 200, body: listOf(request.query.get('name') === name ? [{ ...template, name }] : []) };
    };
    server.on('GET', `${p}/job_templates/`, byName('job_templates_list_by_name.json', PROVISION));
    server.on('GET', `${p}/workflow_job_templates/`, byName('workflow_job_templates_list_by_name.json', DEPROVISION));
    server.on('GET', `${p}/notification_templates/`, (request) => ({
      status: 200,
      body: listOf(
        this.notificationTemplates
          .filter((nt) => nt.name === request.query.get('name'))
          .filter(
            (nt) => !request.query.has('organization') || String(nt.organization) === request.query.get('organization'),
          )
          .map(shown),
      ),
    }));
    server.on('POST', `${p}/notification_templates/`, (request) => {
      if (this.createStatus !== 201) {
        return { status: this.createStatus, body: aapFixture('notification_template_400_extra_vars_dict.json') };
      }
      const nt = {
        ...(JSON.parse(request.body) as Stored),
        id: 9 + this.notificationTemplates.length,
        type: 'notification_template',
      };
      this.notificationTemplates.push(nt);
      return { status: 201, body: shown(nt) };
    });
    for (const [kind, id] of [
      ['job_templates', 7],
      ['workflow_job_templates', 12],
    ] as const) {
      for (const event of ['started', 'success', 'error'] as const) {
        const path = `${p}/${kind}/${id}/notification_templates_${event}/`;
        server.on('GET', path, () => ({
          status: 200,
          body: listOf(this.attachedTo(kind, id, event).map((ntId) => ({ id: ntId, type: 'notification_template' }))),
        }));
        server.on('POST', path, (request) => {
          const { id: ntId, disassociate } = JSON.parse(request.body) as { id: number; disassociate?: boolean };
          const list = this.attachedTo(kind, id, event).filter((other) => other !== ntId);
          this.attached.set(`${kind}/${id}/${event}`, disassociate ? list : [...list, ntId]);
          return { status: 204 };
        });
      }
    }
  }

  attachedTo(kind: string, id: number, event: Event): number[] {
    return this.attached.get(`${kind}/${id}/${event}`) ?? [];
  }

  /** Makes PATCH on notification template `id` merge the body, as AWX does field by field. */
  patchable(id: number): void {
    this.server.on('PATCH', `${this.prefix}/v2/notification_templates/${id}/`, (request) => {
      const nt = this.notificationTemplates.find((stored) => stored.id === id) as Stored;
      Object.assign(nt, JSON.parse(request.body));
      return { status: 200, body: shown(nt) };
    });
  }
}

/** AWX never shows a stored password. */
function shown(nt: Stored): Stored {
  const configuration = nt.notification_configuration as Record<string, unknown>;
  return {
    ...nt,
    notification_configuration: { ...configuration, ...(configuration.password ? { password: '$encrypted$' } : {}) },
  };
}
