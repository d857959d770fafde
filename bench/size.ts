/**
 * Serialized size: the bytes of `__provider` per resource type. Pulumi writes this text into the inputs and the
 * state of every resource, and the provider host loads it per distinct text, so it is paid once per resource in
 * every checkpoint.
 */
import type { ProviderTexts } from "./providers";
import { ratio } from "./stats";
import type { Row } from "./table";

export interface SizeResult {
  /** UTF-8 bytes per resource type. */
  bytes: { SodaAgentKey: number; SodaApiKey: number; trivial: number };
  targetBytes: number;
}

export const SIZE_TARGET_BYTES = 4096;

export function measureSize(texts: ProviderTexts): SizeResult {
  return {
    bytes: {
      SodaAgentKey: Buffer.byteLength(texts.agentKey, "utf8"),
      SodaApiKey: Buffer.byteLength(texts.apiKey, "utf8"),
      trivial: Buffer.byteLength(texts.trivial, "utf8"),
    },
    targetBytes: SIZE_TARGET_BYTES,
  };
}

export function sizeRows(result: SizeResult): Row[] {
  return (["SodaAgentKey", "SodaApiKey"] as const).map((type) => ({
    benchmark: "size",
    figure: `__provider size, ${type}`,
    ours: result.bytes[type],
    referenceName: "trivial provider",
    reference: result.bytes.trivial,
    unit: "B",
    ratio: ratio(result.bytes[type], result.bytes.trivial),
    target: `<= ${result.targetBytes} B`,
    met: result.bytes[type] <= result.targetBytes,
  }));
}
