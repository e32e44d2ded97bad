import { nativeAddon } from './native.js';

/**
 * Kernel enum values to names, read from the running kernel's BTF: the drop and reset reasons
 * change between kernel versions, so no table is hard-coded here.
 */
export type ReasonNames = (value: number) => string;

export function reasonNamesFrom(values: { name: string; value: number }[], prefix: string): ReasonNames {
  const names = new Map(values.map(({ name, value }) => [value, name.startsWith(prefix) ? name.slice(prefix.length) : name]));
  return (value) => names.get(value) ?? `UNKNOWN_${value}`;
}

export function kernelDropReasons(): ReasonNames {
  return reasonNamesFrom(nativeAddon().btfEnumValues('skb_drop_reason'), 'SKB_DROP_REASON_');
}

export function kernelResetReasons(): ReasonNames {
  return reasonNamesFrom(nativeAddon().btfEnumValues('sk_rst_reason'), 'SK_RST_REASON_');
}
