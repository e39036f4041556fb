import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { planLaunch } from './launch-plan';
import { type ListResource, runListQuery } from './list-query';
import {
  JOB_RESOURCE,
  JOB_TEMPLATE_RESOURCE,
  NOTIFICATION_RESOURCE,
  NOTIFICATION_TEMPLATE_RESOURCE,
  ORGANIZATION_RESOURCE,
  WORKFLOW_JOB_RESOURCE,
  WORKFLOW_JOB_TEMPLATE_RESOURCE,
} from './list-resources';
import {
  NOTIFICATION_EVENTS,
  type NotificationEvent,
  serializeNotification,
  serializeNotificationTemplate,
} from './notification-templates';
import type { NotificationParent, Notifier } from './notifier';
import {
  AWX_TEXT,
  detailResponse,
  emptyResponse,
  type HttpResponse,
  jsonResponse,
  methodNotAllowed,
  objectNotFound,
  WWW_AUTHENTICATE,
} from './responses';
import type { NotFoundStyle, TemplateKind } from './schemas';
import {
  CONTROLLER_NODE,
  jobTemplateLaunchInfo,
  type SerializeContext,
  serializeJob,
  serializeJobTemplate,
  serializeOrganization,
  serializeWorkflowJob,
  serializeWorkflowJobTemplate,
  workflowTemplateLaunchInfo,
} from './serializers';
import type { Template } from './templates';
import { pythonJsonErrorMessage } from './wire-format';
import { isActiveStatus, type SimJob, type World } from './world';

export const AWX_VERSION = '24.6.1';

export interface ApiRequest {
  method: string;
  pathname: string;
  query: URLSearchParams;
  /** The raw `?…` part (or ''), kept for redirects. */
  search: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ApiContext {
  world: World;
  notifier: Notifier;
  now: () => number;
  token: string;
  notFoundStyle: NotFoundStyle;
  superuser: boolean;
}

interface RouteCall {
  request: ApiRequest;
  ctx: ApiContext;
  prefix: string;
  id: number;
}

type Handler = (call: RouteCall) => HttpResponse;

const METHODS = ['GET', 'POST', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

interface Route {
  pattern: RegExp;
  auth: boolean;
  methods: Partial<Record<Method, Handler>>;
}

/** Both the direct controller prefix and the AAP 2.5+ gateway prefix; links echo whichever was used. */
const API_PATH = /^(\/api\/(?:controller\/)?v2\/)(.*)$/;

const serializeContext = (call: RouteCall): SerializeContext => ({ prefix: call.prefix, now: call.ctx.now() });

const KINDS = {
  job: {
    templateModel: 'JobTemplate',
    jobModel: 'Job',
    jobsPath: 'jobs',
    templateResource: JOB_TEMPLATE_RESOURCE,
    jobResource: JOB_RESOURCE,
    serializeTemplate: serializeJobTemplate,
    serializeJob,
    launchInfo: jobTemplateLaunchInfo,
    launchKey: 'job',
  },
  workflow: {
    templateModel: 'WorkflowJobTemplate',
    jobModel: 'WorkflowJob',
    jobsPath: 'workflow_jobs',
    templateResource: WORKFLOW_JOB_TEMPLATE_RESOURCE,
    jobResource: WORKFLOW_JOB_RESOURCE,
    serializeTemplate: serializeWorkflowJobTemplate,
    serializeJob: serializeWorkflowJob,
    launchInfo: workflowTemplateLaunchInfo,
    launchKey: 'workflow_job',
  },
} as const;

function listResponse<T>(
  call: RouteCall,
  items: readonly T[],
  resource: ListResource<T>,
  serialize: (item: T) => unknown,
): HttpResponse {
  const outcome = runListQuery(items, resource, call.request.query, call.request.pathname);
  if (!outcome.ok) return detailResponse(outcome.status, outcome.detail);
  const { page } = outcome;
  const results = page.results.map(serialize);
  if (page.countDisabled) return jsonResponse(200, { results });
  return jsonResponse(200, { count: page.count, next: page.next, previous: page.previous, results });
}

function listTemplates(kind: TemplateKind): Handler {
  const k = KINDS[kind];
  return (call) => {
    const { world } = call.ctx;
    const ctx = serializeContext(call);
    return listResponse(call, world.listTemplates(kind), k.templateResource, (t) =>
      k.serializeTemplate(t, world.jobsOfTemplate(t.id), ctx),
    );
  };
}

function withTemplate(kind: TemplateKind, handler: (call: RouteCall, template: Template) => HttpResponse): Handler {
  return (call) => {
    const template = call.ctx.world.template(call.id, kind);
    if (!template) return objectNotFound(KINDS[kind].templateModel, call.ctx.notFoundStyle);
    return handler(call, template);
  };
}

function withJob(kind: TemplateKind, handler: (call: RouteCall, job: SimJob) => HttpResponse): Handler {
  return (call) => {
    const job = call.ctx.world.job(call.id, kind);
    if (!job) return objectNotFound(KINDS[kind].jobModel, call.ctx.notFoundStyle);
    return handler(call, job);
  };
}

/** AWX's JSONParser: empty body = {}, JSON only (415 otherwise), and the body must be an object. */
function parseJsonBody(
  request: ApiRequest,
): { ok: true; data: Record<string, unknown> } | { ok: false; response: HttpResponse } {
  if (request.body.length === 0) return { ok: true, data: {} };
  const contentType = request.headers['content-type'] ?? '';
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return { ok: false, response: detailResponse(415, `Unsupported media type "${contentType}" in request.`) };
  }
  const text = request.body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = `JSON parse error - ${pythonJsonErrorMessage(text, error)}\nPossible cause: trailing comma.`;
    return { ok: false, response: detailResponse(400, message) };
  }
  if (parsed === null) return { ok: true, data: {} };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, response: detailResponse(400, AWX_TEXT.notAJsonObject) };
  }
  return { ok: true, data: parsed as Record<string, unknown> };
}

function launch(kind: TemplateKind): Handler {
  const k = KINDS[kind];
  return withTemplate(kind, (call, template) => {
    const body = parseJsonBody(call.request);
    if (!body.ok) return body.response;
    const plan = planLaunch(template, body.data);
    if (!plan.ok) return jsonResponse(400, plan.errors);
    const job = call.ctx.world.launch(template, plan.extraVars, plan.runningSeconds, plan.credentials);
    const serialized = k.serializeJob(job, 'launch', serializeContext(call));
    return jsonResponse(
      201,
      { [k.launchKey]: job.id, ignored_fields: plan.ignoredFields, ...serialized },
      { Location: `${call.prefix}${k.jobsPath}/${job.id}/` },
    );
  });
}

function cancel(kind: TemplateKind): Handler {
  return withJob(kind, (call, job) => {
    if (call.ctx.world.cancel(job) === 'accepted') return emptyResponse(202);
    // A superuser skips the permission check and reaches http_method_not_allowed; anyone else is refused by it.
    return call.ctx.superuser ? methodNotAllowed('POST') : detailResponse(403, AWX_TEXT.permissionDenied);
  });
}

function ping(call: RouteCall): HttpResponse {
  const heartbeat = new Date(call.ctx.now()).toISOString();
  return jsonResponse(200, {
    ha: false,
    version: AWX_VERSION,
    active_node: CONTROLLER_NODE,
    install_uuid: '00000000-0000-4000-8000-00000000a5a5',
    instances: [{ node: CONTROLLER_NODE, node_type: 'hybrid', heartbeat, capacity: 100, version: AWX_VERSION }],
    instance_groups: [{ name: 'default', capacity: 100, instances: [CONTROLLER_NODE] }],
  });
}

function kindRoutes(kind: TemplateKind, templatesPath: string): Route[] {
  const k = KINDS[kind];
  return [
    { pattern: new RegExp(`^${templatesPath}/$`), auth: true, methods: { GET: listTemplates(kind) } },
    {
      pattern: new RegExp(`^${templatesPath}/(\\d+)/$`),
      auth: true,
      methods: {
        GET: withTemplate(kind, (call, t) =>
          jsonResponse(200, k.serializeTemplate(t, call.ctx.world.jobsOfTemplate(t.id), serializeContext(call))),
        ),
      },
    },
    {
      pattern: new RegExp(`^${templatesPath}/(\\d+)/launch/$`),
      auth: true,
      methods: { GET: withTemplate(kind, (_call, t) => jsonResponse(200, k.launchInfo(t))), POST: launch(kind) },
    },
    {
      pattern: new RegExp(`^${k.jobsPath}/$`),
      auth: true,
      methods: {
        GET: (call) => {
          const ctx = serializeContext(call);
          return listResponse(call, call.ctx.world.listJobs(kind), k.jobResource, (job) =>
            k.serializeJob(job, 'list', ctx),
          );
        },
      },
    },
    {
      pattern: new RegExp(`^${k.jobsPath}/(\\d+)/$`),
      auth: true,
      methods: {
        GET: withJob(kind, (call, job) => jsonResponse(200, k.serializeJob(job, 'detail', serializeContext(call)))),
      },
    },
    {
      pattern: new RegExp(`^${k.jobsPath}/(\\d+)/cancel/$`),
      auth: true,
      methods: {
        GET: withJob(kind, (_call, job) => jsonResponse(200, { can_cancel: isActiveStatus(job.status) })),
        POST: cancel(kind),
      },
    },
  ];
}

// ---- notifications (§6): templates, what they are attached to, and the notifications sent ----

function withNotificationTemplate(
  handler: (call: RouteCall, template: NonNullable<ReturnType<Notifier['template']>>) => HttpResponse,
): Handler {
  return (call) => {
    const template = call.ctx.notifier.template(call.id);
    if (!template) return objectNotFound('NotificationTemplate', call.ctx.notFoundStyle);
    return handler(call, template);
  };
}

function notificationTemplateBody(call: RouteCall, template: NonNullable<ReturnType<Notifier['template']>>) {
  return serializeNotificationTemplate(template, call.ctx.notifier.notificationsOfTemplate(template.id), call.prefix);
}

/** POST (201) or PATCH (200) of a notification template: AWX's serializer validation, then the save. */
function saveNotificationTemplate(call: RouteCall, existing?: NonNullable<ReturnType<Notifier['template']>>) {
  const body = parseJsonBody(call.request);
  if (!body.ok) return body.response;
  const { notifier, world } = call.ctx;
  const checked = notifier.validate(body.data, existing, (id) => world.organization(id));
  if (!checked.ok) return jsonResponse(400, checked.errors);
  if (existing) return jsonResponse(200, notificationTemplateBody(call, notifier.update(existing, checked.value)));
  const created = notifier.create(checked.value);
  const serialized = notificationTemplateBody(call, created);
  return jsonResponse(201, serialized, { Location: serialized.url });
}

const PARENTS = {
  job_template: { path: 'job_templates', model: 'JobTemplate' },
  workflow_job_template: { path: 'workflow_job_templates', model: 'WorkflowJobTemplate' },
  organization: { path: 'organizations', model: 'Organization' },
} as const;

function parentExists(ctx: ApiContext, parent: NotificationParent): boolean {
  if (parent.kind === 'organization') return ctx.world.organization(parent.id) !== undefined;
  return ctx.world.template(parent.id, parent.kind === 'job_template' ? 'job' : 'workflow') !== undefined;
}

/** `SubListAttachDetachAPIView`: GET lists; POST `{id}` attaches, `{id, disassociate: true}` detaches; both 204. */
function attachmentRoute(kind: NotificationParent['kind'], event: NotificationEvent): Route {
  const withParent = (handler: (call: RouteCall, parent: NotificationParent) => HttpResponse): Handler => {
    return (call) => {
      const parent = { kind, id: call.id };
      if (!parentExists(call.ctx, parent)) return objectNotFound(PARENTS[kind].model, call.ctx.notFoundStyle);
      return handler(call, parent);
    };
  };
  return {
    pattern: new RegExp(`^${PARENTS[kind].path}/(\\d+)/notification_templates_${event}/$`),
    auth: true,
    methods: {
      GET: withParent((call, parent) =>
        listResponse(call, call.ctx.notifier.attached(parent, event), NOTIFICATION_TEMPLATE_RESOURCE, (t) =>
          notificationTemplateBody(call, t),
        ),
      ),
      POST: withParent((call, parent) => {
        const body = parseJsonBody(call.request);
        if (!body.ok) return body.response;
        const { id } = body.data;
        // AWX detaches whenever the key is there, whatever its value.
        const detach = 'disassociate' in body.data;
        if (detach) {
          if (!id) return jsonResponse(400, { msg: '"id" is required to disassociate' });
        } else if (id === undefined || id === null) {
          return jsonResponse(400, {
            msg: 'The AAP simulator attaches existing notification templates only: send {"id": <notification template id>}.',
          });
        }
        if (typeof id !== 'number' || !Number.isInteger(id)) {
          return jsonResponse(400, { msg: '"id" field must be an integer.' });
        }
        if (!call.ctx.notifier.template(id)) {
          return detailResponse(400, 'NotificationTemplate matching query does not exist.');
        }
        call.ctx.notifier.setAttached(parent, event, id, !detach);
        return emptyResponse(204);
      }),
    },
  };
}

function notificationListRoute(path: string, kind: TemplateKind): Route {
  return {
    pattern: new RegExp(`^${path}/(\\d+)/notifications/$`),
    auth: true,
    methods: {
      GET: withJob(kind, (call, job) =>
        listResponse(call, call.ctx.notifier.notificationsOf(kind, job.id), NOTIFICATION_RESOURCE, (n) =>
          serializeNotification(n, call.prefix),
        ),
      ),
    },
  };
}

const NOTIFICATION_ROUTES: Route[] = [
  {
    pattern: /^organizations\/$/,
    auth: true,
    methods: {
      GET: (call) =>
        listResponse(call, call.ctx.world.organizations(), ORGANIZATION_RESOURCE, (o) =>
          serializeOrganization(o, serializeContext(call)),
        ),
    },
  },
  {
    pattern: /^organizations\/(\d+)\/$/,
    auth: true,
    methods: {
      GET: (call) => {
        const organization = call.ctx.world.organization(call.id);
        if (!organization) return objectNotFound('Organization', call.ctx.notFoundStyle);
        return jsonResponse(200, serializeOrganization(organization, serializeContext(call)));
      },
    },
  },
  {
    pattern: /^notification_templates\/$/,
    auth: true,
    methods: {
      GET: (call) =>
        listResponse(call, call.ctx.notifier.listTemplates(), NOTIFICATION_TEMPLATE_RESOURCE, (t) =>
          notificationTemplateBody(call, t),
        ),
      POST: (call) => saveNotificationTemplate(call),
    },
  },
  {
    pattern: /^notification_templates\/(\d+)\/$/,
    auth: true,
    methods: {
      GET: withNotificationTemplate((call, t) => jsonResponse(200, notificationTemplateBody(call, t))),
      PATCH: withNotificationTemplate((call, t) => saveNotificationTemplate(call, t)),
      DELETE: withNotificationTemplate((call, t) => {
        call.ctx.notifier.delete(t.id);
        return emptyResponse(204);
      }),
    },
  },
  {
    pattern: /^notification_templates\/(\d+)\/test\/$/,
    auth: true,
    methods: {
      POST: withNotificationTemplate((call, t) => {
        const notification = call.ctx.notifier.test(t);
        return jsonResponse(202, {
          notification: notification.id,
          ...serializeNotification(notification, call.prefix),
        });
      }),
    },
  },
  {
    pattern: /^notification_templates\/(\d+)\/notifications\/$/,
    auth: true,
    methods: {
      GET: withNotificationTemplate((call, t) =>
        listResponse(call, call.ctx.notifier.notificationsOfTemplate(t.id), NOTIFICATION_RESOURCE, (n) =>
          serializeNotification(n, call.prefix),
        ),
      ),
    },
  },
  {
    pattern: /^notifications\/$/,
    auth: true,
    methods: {
      GET: (call) =>
        listResponse(call, call.ctx.notifier.listNotifications(), NOTIFICATION_RESOURCE, (n) =>
          serializeNotification(n, call.prefix),
        ),
    },
  },
  {
    pattern: /^notifications\/(\d+)\/$/,
    auth: true,
    methods: {
      GET: (call) => {
        const notification = call.ctx.notifier.notification(call.id);
        if (!notification) return objectNotFound('Notification', call.ctx.notFoundStyle);
        return jsonResponse(200, serializeNotification(notification, call.prefix));
      },
    },
  },
  notificationListRoute('jobs', 'job'),
  notificationListRoute('workflow_jobs', 'workflow'),
  ...(['job_template', 'workflow_job_template', 'organization'] as const).flatMap((kind) =>
    NOTIFICATION_EVENTS.map((event) => attachmentRoute(kind, event)),
  ),
];

const ROUTES: readonly Route[] = [
  { pattern: /^ping\/$/, auth: false, methods: { GET: ping } },
  ...kindRoutes('job', 'job_templates'),
  ...kindRoutes('workflow', 'workflow_job_templates'),
  ...NOTIFICATION_ROUTES,
];

function matchRoute(rest: string): { route: Route; id: number } | undefined {
  for (const route of ROUTES) {
    const match = route.pattern.exec(rest);
    if (match) return { route, id: Number(match[1] ?? Number.NaN) };
  }
  return undefined;
}

function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return false;
  // Compare digests so the comparison is constant-time whatever the presented length.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}

function allowHeader(route: Route): string {
  return [...Object.keys(route.methods), 'HEAD', 'OPTIONS'].join(', ');
}

/** The AWX REST API: routing with Django's trailing-slash redirect, DRF authentication, then the view. */
export function handleApiRequest(request: ApiRequest, ctx: ApiContext): HttpResponse {
  const pathMatch = API_PATH.exec(request.pathname);
  const prefix = pathMatch?.[1];
  const rest = pathMatch?.[2] ?? '';
  const matched = prefix === undefined ? undefined : matchRoute(rest);
  if (prefix === undefined || !matched) {
    // Django APPEND_SLASH: redirect only when the slashed path exists; otherwise AWX's handle_404.
    if (prefix !== undefined && !rest.endsWith('/') && matchRoute(`${rest}/`)) {
      return emptyResponse(301, { Location: `${request.pathname}/${request.search}` });
    }
    return detailResponse(404, AWX_TEXT.unknownPath);
  }
  const { route, id } = matched;
  if (route.auth) {
    const authorization = request.headers.authorization;
    if (!bearerMatches(authorization, ctx.token)) {
      const message = /^Basic\s/i.test(authorization ?? '') ? AWX_TEXT.badBasicCredentials : AWX_TEXT.notAuthenticated;
      return detailResponse(401, message, { 'WWW-Authenticate': WWW_AUTHENTICATE });
    }
  }
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const handler = METHODS.find((known) => known === method) ? route.methods[method as Method] : undefined;
  const response = handler ? handler({ request, ctx, prefix, id }) : methodNotAllowed(request.method);
  // Authenticated responses also name the product version (APIView.finalize_response).
  const versionHeader: Record<string, string> = route.auth ? { 'X-API-Product-Version': AWX_VERSION } : {};
  return { ...response, headers: { ...versionHeader, Allow: allowHeader(route), ...response.headers } };
}
