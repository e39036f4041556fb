import * as z from 'zod';
import { SILENT_LOGGER } from '../../runtime/logger';
import { AmbiguousTemplate, TemplateNotFound } from '../errors';
import { errorForStatus } from '../failures';
import { type AapClientDeps, type AapClientOptions, resolveAapClientOptions } from '../options';
import { listAll } from '../pages';
import { parseBody } from '../response';
import { AapTemplateSummary } from '../schemas';
import {
  type AapTemplateRef,
  organizationFilter,
  selectTemplate,
  TEMPLATE_LOOKUP_ORDER,
  templateCollectionPath,
} from '../templates';
import { type AapTransport, createAapTransport } from '../transport';
import type {
  AapNotificationState,
  ExistingNotificationTemplate,
  NotificationEvent,
  NotificationTemplateBody,
  TemplateAttachments,
} from './plan';
import { NOTIFICATION_EVENTS } from './plan';

const NOTIFICATION_TEMPLATES = 'v2/notification_templates/';

/** One entry of `GET {B}/notification_templates/`, and the 201 of a create. */
const AapNotificationTemplate = z.looseObject({
  id: z.number().int().positive(),
  name: z.string(),
  organization: z.number().int().nullable().optional(),
  notification_type: z.string(),
  notification_configuration: z.record(z.string(), z.unknown()),
  messages: z.unknown().optional(),
});

/** Enough of a listed notification template to tell which one is attached. */
const AttachedNotificationTemplate = z.looseObject({ id: z.number().int().positive() });

export interface ResolvedTemplate {
  ref: AapTemplateRef;
  organization: number | null | undefined;
}

/**
 * The AAP calls behind `configure-aap`: notification templates (find by name, create, update) and their attachment
 * to job templates and workflow job templates, over the transport every AAP adapter uses (its base-URL handling,
 * retries of idempotent requests, error types).
 */
export class AapNotificationTemplates {
  private readonly transport: AapTransport;
  private readonly organization: string | number | undefined;

  constructor(options: AapClientOptions, deps: AapClientDeps = {}) {
    const resolved = resolveAapClientOptions(options);
    this.organization = resolved.organization;
    this.transport = createAapTransport(resolved, resolved.logger ?? SILENT_LOGGER, deps);
  }

  /**
   * A template by name, found the way launches find it (job templates first, then workflow job templates, in the
   * configured organization), with its organization.
   */
  async findTemplate(name: string): Promise<ResolvedTemplate> {
    const searched: string[] = [];
    for (const type of TEMPLATE_LOOKUP_ORDER) {
      const { items, endpoint } = await listAll(
        this.transport,
        templateCollectionPath(type),
        { name, ...organizationFilter(this.organization) },
        AapTemplateSummary,
      );
      searched.push(endpoint);
      const ref = selectTemplate(name, type, items, {
        endpoint,
        organizationConfigured: this.organization !== undefined,
      });
      if (ref !== undefined) {
        return { ref, organization: items.find((item) => item.id === ref.id)?.organization };
      }
    }
    throw new TemplateNotFound(name, searched);
  }

  /**
   * The notification template named exactly `name`, in `organization` when it is known (names are unique per
   * organization; one of ours elsewhere is not ours).
   */
  async findNotificationTemplate(
    name: string,
    organization: number | null | undefined,
  ): Promise<ExistingNotificationTemplate | undefined> {
    const { items, endpoint } = await listAll(
      this.transport,
      NOTIFICATION_TEMPLATES,
      { name, ...(typeof organization === 'number' ? { organization } : {}) },
      AapNotificationTemplate,
    );
    const matches = items.filter((item) => item.name === name);
    if (matches.length > 1) {
      throw new AmbiguousTemplate(
        name,
        endpoint,
        matches.map((item) => ({ id: item.id, organization: item.organization })),
        this.organization !== undefined,
      );
    }
    const [match] = matches;
    return match === undefined ? undefined : toExisting(match);
  }

  /** Ids of the notification templates attached to one event of a template. */
  async attachedIds(template: AapTemplateRef, event: NotificationEvent): Promise<number[]> {
    const { items } = await listAll(this.transport, attachmentPath(template, event), {}, AttachedNotificationTemplate);
    return items.map((item) => item.id);
  }

  /** What the planner needs: the templates, their attachments, and our notification template if it exists. */
  async readState(templateNames: readonly string[], notificationTemplateName: string): Promise<AapNotificationState> {
    const resolved: ResolvedTemplate[] = [];
    for (const name of templateNames) resolved.push(await this.findTemplate(name));
    const organization = resolved[0]?.organization;
    const notificationTemplate = await this.findNotificationTemplate(notificationTemplateName, organization);
    const templates: TemplateAttachments[] = [];
    for (const { ref } of resolved) {
      const attached = { started: [] as number[], success: [] as number[], error: [] as number[] };
      // Nothing can be attached to a notification template that does not exist yet.
      if (notificationTemplate !== undefined) {
        for (const event of NOTIFICATION_EVENTS) attached[event] = await this.attachedIds(ref, event);
      }
      templates.push({ template: ref, attached });
    }
    return { notificationTemplate, organization, templates };
  }

  /** Creates a notification template; resolves with its id. Sent once: a create is not idempotent. */
  async create(body: NotificationTemplateBody): Promise<number> {
    const response = await this.transport.send({
      method: 'POST',
      path: NOTIFICATION_TEMPLATES,
      data: body,
      idempotent: false,
    });
    if (response.status !== 201 && response.status !== 200) throw errorForStatus(response);
    return parseBody(AapNotificationTemplate, response).id;
  }

  async update(id: number, patch: Partial<NotificationTemplateBody>): Promise<void> {
    const response = await this.transport.send({
      method: 'PATCH',
      path: `${NOTIFICATION_TEMPLATES}${id}/`,
      data: patch,
      idempotent: true,
    });
    if (response.status !== 200) throw errorForStatus(response);
  }

  /** Associating twice, or disassociating what is not attached, is harmless: these POSTs may be retried. */
  async attach(template: AapTemplateRef, event: NotificationEvent, id: number): Promise<void> {
    await this.associate(template, event, { id });
  }

  async detach(template: AapTemplateRef, event: NotificationEvent, id: number): Promise<void> {
    await this.associate(template, event, { id, disassociate: true });
  }

  close(): void {
    this.transport.close();
  }

  private async associate(template: AapTemplateRef, event: NotificationEvent, data: object): Promise<void> {
    const response = await this.transport.send({
      method: 'POST',
      path: attachmentPath(template, event),
      data,
      idempotent: true,
    });
    if (response.status !== 204 && response.status !== 200) throw errorForStatus(response);
  }
}

function attachmentPath(template: AapTemplateRef, event: NotificationEvent): string {
  return `${templateCollectionPath(template.type)}${template.id}/notification_templates_${event}/`;
}

function toExisting(item: z.output<typeof AapNotificationTemplate>): ExistingNotificationTemplate {
  return {
    id: item.id,
    name: item.name,
    notificationType: item.notification_type,
    configuration: item.notification_configuration,
    messages: item.messages,
  };
}
