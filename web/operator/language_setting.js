// language_setting.js: the webclient's Language setting (a <select>).
//
// The choice is this browser's (localStorage `refdesk.lang`, read by
// i18n.js on staff pages) and applies on reload: i18n.js picks the language
// before anything is drawn, so a reload is simpler and surer than redrawing
// every panel in place.

import { language, offeredLanguages, saveLanguage } from '../shared/i18n.js';

/** Fill `select` with the languages this page offers and wire it. */
export async function setUpLanguageSetting(select) {
  const allowed = (document.documentElement.dataset.i18nLanguages || 'en').split(/\s+/);
  const list = (await offeredLanguages()).filter((l) => allowed.includes(l.code));
  for (const l of list) {
    const option = document.createElement('option');
    option.value = l.code;
    option.textContent = l.name;
    option.lang = l.code;
    select.append(option);
  }
  select.value = language().lang;
  select.addEventListener('change', () => {
    saveLanguage(select.value);
    location.reload();
  });
}
