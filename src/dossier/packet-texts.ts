import type { Locale, Translate } from '../i18n/translator.js';
import type { PacketTexts } from './build-packet.js';

/** Every word a packet prints, from the locales, in one language. */
export function packetTexts(translate: Translate, locale: Locale): PacketTexts {
  const t = (key: string) => translate(locale, `packet.${key}`);
  return {
    contentsHeading: t('contentsHeading'),
    itemColumn: t('itemColumn'),
    pagesColumn: t('pagesColumn'),
    sha256Label: t('sha256Label'),
    // Without values the translator leaves {first}, {page}, … for the builder to fill.
    pageRange: t('pageRange'),
    singlePage: t('singlePage'),
    deliveredBeside: t('deliveredBeside'),
    notIncluded: t('notIncluded'),
    pageFooter: t('pageFooter'),
  };
}
