import { type NotificationKind, cancelled, done, missingItems, open, roundTexts, varsOf } from './reading.js';

/** A producer whose dossier still misses required items before the commune's cut-off. */
export const dossierMissingBeforeCutoffKind = {
  routine: true,
  async read(ctx, n) {
    if (n.productIdeaId === null) return cancelled;
    const state = await missingItems(ctx, n.productIdeaId);
    if (!state || state.idea.status === 'returned') return cancelled;
    if (state.dossierStatus === 'submitted' || state.dossierStatus === 'checked' || state.missing === 0) return done;
    const vars = varsOf(n);
    // Planned before rounds were counted back to the producer's own day: replaced by a new plan.
    if (vars.producerLastDay === undefined) return cancelled;
    return open(
      ctx.translate(ctx.locale, 'notify.dossierMissingBeforeCutoff', {
        product: state.idea.productName,
        count: String(state.missing),
        ...roundTexts(vars),
      }),
    );
  },
} satisfies NotificationKind;
