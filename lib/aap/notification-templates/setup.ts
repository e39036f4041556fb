import type { AapNotificationTemplates } from './api';
import { describeAction, describeTemplate, planNotificationSetup, type WantedNotifications } from './plan';

export type NotificationSetupMode = 'configure' | 'remove';

export interface NotificationSetupResult {
  /** One line per change made, or one line saying there was nothing to do. */
  lines: string[];
  changed: boolean;
}

/**
 * Reads AAP, plans, and applies the plan in order (the notification template before its attachments). A failure
 * stops at the failing call; what was done before it stays done, and re-running completes the rest.
 */
export async function applyNotificationSetup(
  api: Pick<AapNotificationTemplates, 'readState' | 'create' | 'update' | 'attach' | 'detach'>,
  templateNames: readonly string[],
  wanted: WantedNotifications,
  mode: NotificationSetupMode,
): Promise<NotificationSetupResult> {
  const state = await api.readState(templateNames, wanted.name);
  const actions = planNotificationSetup(state, wanted, mode);
  let id = state.notificationTemplate?.id;
  const lines: string[] = [];
  for (const action of actions) {
    switch (action.kind) {
      case 'create':
        id = await api.create(action.body);
        break;
      case 'update':
        await api.update(action.id, action.patch);
        break;
      case 'attach':
      case 'detach':
        // The planner puts a create first whenever there is no id yet.
        await api[action.kind](action.template, action.event, id as number);
        break;
    }
    lines.push(describeAction(action, wanted.name, id));
  }
  const templates = [...new Set(state.templates.map(({ template }) => describeTemplate(template)))].join(' and ');
  const which = `notification template "${wanted.name}"${id === undefined ? '' : ` (id ${id})`}`;
  if (mode === 'remove') {
    if (actions.length === 0) {
      lines.push(
        id === undefined
          ? `no ${which} in AAP: nothing to remove`
          : `${which} is not attached to ${templates}: nothing to remove`,
      );
    }
    if (id !== undefined) lines.push(`kept ${which} itself: delete it in AAP if nothing else uses it`);
  } else if (actions.length === 0) {
    lines.push(`already configured: ${which} is attached to the success and error notifications of ${templates}`);
  }
  return { lines, changed: actions.length > 0 };
}
