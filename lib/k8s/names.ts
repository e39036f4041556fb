/**
 * Object names as the Kubernetes API server validates them (apimachinery's IsDNS1123Label / IsDNS1123Subdomain):
 * a namespace is a DNS label, a custom resource's name a DNS subdomain. Anything else the API server never stores,
 * so a request naming it is forged or broken: refuse it where it enters, never as a failed execution later.
 */

export const DNS_LABEL_MAX_LENGTH = 63;
export const DNS_SUBDOMAIN_MAX_LENGTH = 253;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const DNS_LABEL_MESSAGE = `must be a DNS label: at most ${DNS_LABEL_MAX_LENGTH} lowercase letters, digits or "-", starting and ending with a letter or digit`;
export const DNS_SUBDOMAIN_MESSAGE = `must be a DNS subdomain: at most ${DNS_SUBDOMAIN_MAX_LENGTH} lowercase letters, digits, "-" or ".", starting and ending with a letter or digit`;

export function isDnsLabel(value: string): boolean {
  return value.length <= DNS_LABEL_MAX_LENGTH && DNS_LABEL.test(value);
}

export function isDnsSubdomain(value: string): boolean {
  return value.length <= DNS_SUBDOMAIN_MAX_LENGTH && DNS_SUBDOMAIN.test(value);
}
