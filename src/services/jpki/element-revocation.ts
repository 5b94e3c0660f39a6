import type { Queryable } from '../../store/index.js';
import { Reason } from './actors.js';
import type { JpkiContext } from './context.js';
import type { CertificateRow } from './repository.js';
import { revokeInTx } from './revocation.js';

/**
 * Factory reset (flow 10): the SP-TSM, told by the phone (or its OS's SE agent) that the element is
 * being reset, has every active phone certificate on that element revoked (`cessationOfOperation`),
 * as the system acting on its own rule. No deletion event is recorded: the SEI-TSM deletes the whole
 * APSD of a reset element at its next contact (docs/services/tsm-orders.md, "Factory reset").
 */
export async function revokeElement(ctx: JpkiContext, seId: string): Promise<string[]> {
  const now = ctx.clock();
  const changed = await ctx.db.transaction(async (tx: Queryable) => {
    const rows = await tx.query<CertificateRow>("SELECT * FROM certificates WHERE device = 'phone' AND se_id = $1 AND status <> 'revoked' ORDER BY hierarchy", [seId]);
    const serials: string[] = [];
    for (const cert of rows) {
      serials.push(...(await revokeInTx(tx, { kind: 'system', cause: `factory-reset:${seId}` }, cert, Reason.cessationOfOperation, now, { orderDeletion: false })));
    }
    return serials;
  });
  ctx.changed(changed);
  return changed;
}
