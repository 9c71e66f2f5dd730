import type { ProducerKind } from '../ocop/producer-kinds.js';

// What the conversation knows of a producer before a turn. The registration feature loads
// it (registration/load-producer-facts.ts); the conversation only reads it.

/** Where an idea's dossier stands: its documents counted by item (replaced ones left out). */
export interface DossierFacts {
  status: string;
  /** item code → documents stored or still downloading */
  documents: Record<string, number>;
  /** items the commune asked to be redone, not yet sent again */
  returned: string[];
  /** items the producer declared are not asked of them, not sent back by the commune */
  exempted: string[];
}

export interface IdeaFacts {
  id: string;
  productName: string;
  receiptNumber: string;
  /** what decides its checklist */
  subject: { ruleSet: string; kind: 'new_product' | 'star_upgrade' | 're_ranking'; sector: string; set: string; producerKind: ProducerKind };
  dossier: DossierFacts | undefined;
  /** the producer gave its business plan in the chat: it fills the dossier's plan item (ocop/dossier-checklist.ts `chatPlanItem`) */
  planFromChat: boolean;
}

/** What the conversation knows of a producer before a turn: for branches, lists and prefills. */
export interface ProducerFacts {
  /** The stored profile as the profile flow's answers, or undefined without one. */
  profile: Record<string, unknown> | undefined;
  /** what the producer is (decides the sectors it may register), undefined without a profile */
  producerKind: ProducerKind | undefined;
  ideas: IdeaFacts[];
  /** The latest idea sent back for changes, as the idea flow's answers. */
  revision: Record<string, unknown> | undefined;
}
