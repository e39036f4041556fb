import { AapNotificationTemplates } from '../../lib/aap/notification-templates/api';
import { DEFAULT_NOTIFICATION_TEMPLATE_NAME } from '../../lib/aap/notification-templates/plan';
import { applyNotificationSetup } from '../../lib/aap/notification-templates/setup';
import { loadTemplateNames } from '../../lib/config/settings';

/** The receiver's route on the HTTP API (serverless.yml), where AAP posts its notifications. */
export const NOTIFICATION_ROUTE_KEY = 'POST /v1/aap/notifications';

/** What `npm start` did about AAP notifications, for the banner. */
export type LocalNotifications =
  | { readonly state: 'on'; readonly callbackUrl: string; readonly changes: readonly string[] }
  | { readonly state: 'off'; readonly reason: string };

export interface LocalNotificationsInput {
  readonly enabled: boolean;
  /** AAP_NOTIFICATIONS=on was asked for: failing to configure AAP then fails the start instead of falling back. */
  readonly explicit: boolean;
  readonly gatewayUrl: string;
  readonly routeKeys: readonly string[];
  readonly aapUrl: string;
  readonly aapToken: string;
  /** The receiver's bearer token (AAP_NOTIFICATION_TOKEN). */
  readonly token: string;
  /** Where the template names come from: the task functions' environment. */
  readonly env: NodeJS.ProcessEnv;
}

export class LocalNotificationsError extends Error {
  override readonly name = 'LocalNotificationsError';
}

/**
 * What `cloudkit-provisioner configure-aap --callback-url <gateway>/v1/aap/notifications` does, run at start-up.
 * Unasked-for (the simulator's default) a failure falls back to polling alone and says why; asked for, it fails.
 */
export async function configureLocalNotifications(input: LocalNotificationsInput): Promise<LocalNotifications> {
  if (!input.enabled) return { state: 'off', reason: 'AAP_NOTIFICATIONS=off' };
  const callbackUrl = `${input.gatewayUrl}${NOTIFICATION_ROUTE_KEY.split(' ')[1]}`;
  try {
    if (!input.routeKeys.includes(NOTIFICATION_ROUTE_KEY)) {
      throw new Error(`the gateway serves no ${NOTIFICATION_ROUTE_KEY} (serverless.yml declares no receiver route)`);
    }
    const { provision, deprovision } = loadTemplateNames(input.env);
    const api = new AapNotificationTemplates({ baseUrl: input.aapUrl, token: input.aapToken });
    try {
      const result = await applyNotificationSetup(
        api,
        [provision, deprovision],
        { name: DEFAULT_NOTIFICATION_TEMPLATE_NAME, callbackUrl, token: input.token },
        'configure',
      );
      return { state: 'on', callbackUrl, changes: result.lines };
    } finally {
      api.close();
    }
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split(input.token).join('****');
    if (input.explicit) {
      throw new LocalNotificationsError(`AAP_NOTIFICATIONS=on, but AAP could not be configured: ${message}`);
    }
    return { state: 'off', reason: `AAP could not be configured: ${message}` };
  }
}
